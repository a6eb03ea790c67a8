# Shared settings for every target of ours: warnings, Qt string guard rails.
function(d365_target_defaults target)
  target_compile_definitions(${target} PRIVATE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_NO_KEYWORDS)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual)
    if(D365_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

# d365_add_test(<name> SOURCES <files...> [LIBS <libs...>] [LABELS <labels...>] [TIMEOUT <s>])
# One Qt Test class per executable. Every test runs offscreen with a fixed locale and knows where its data and
# the sandbox/CLI executables are through compile definitions.
function(d365_add_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE Qt6::Test ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  d365_target_defaults(${name})
  target_compile_definitions(${name} PRIVATE
    D365_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    D365_VECTORS_DIR="${PROJECT_SOURCE_DIR}/tests/vectors"
    D365_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    D365_BUILD_DIR="${PROJECT_BINARY_DIR}"
    D365_SANDBOX_EXE="$<TARGET_FILE:d365sync-sandbox>"
    D365_CLI_EXE="$<TARGET_FILE:d365sync-cli>"
    D365_SAMPLE_DB="${PROJECT_BINARY_DIR}/sample/warehouse.db")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LC_ALL=C.UTF-8;LANG=C.UTF-8;TZ=UTC;QT_LOGGING_RULES=d365.*.debug=false"
    LABELS "${T_LABELS}"
    TIMEOUT ${T_TIMEOUT})
endfunction()
