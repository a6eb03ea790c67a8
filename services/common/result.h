#pragma once

// Errors are values inside the core: every fallible call returns Result<T>, carrying either the value or an
// Error with a category (what kind of problem, so callers can map it to an exit code or a banner), a
// user-facing message (translatable, says what is wrong and how to fix it) and a technical detail for the
// log.

#include <QMetaType>
#include <QString>

#include <type_traits>
#include <utility>
#include <variant>

namespace d365 {

enum class ErrorCategory {
    Configuration, // bad mapping file, profile, URL, unknown entity or column: the user must change something
    Authentication, // token missing, expired, revoked: the user must (re)connect
    Network,        // host unreachable, TLS, connection dropped
    NotFound,       // a row or resource does not exist
    Privilege,      // the user lacks a Dataverse privilege
    Validation,     // the service refused a value
    Throttled,      // service-protection limit
    Server,         // 5xx or an unexpected answer
    Source,         // the warehouse could not be read
    Cancelled,      // the user cancelled
    Internal,       // a bug of ours
};

QString errorCategoryName(ErrorCategory category);

struct Error
{
    ErrorCategory category = ErrorCategory::Internal;
    QString message; // for the user: what is wrong and how to fix it
    QString detail;  // for the log: status codes, server text (never secrets)

    static Error make(ErrorCategory category, QString message, QString detail = {})
    {
        return Error{category, std::move(message), std::move(detail)};
    }
};

template<typename T> class Result
{
public:
    Result(T value)
        : m_data(std::in_place_index<0>, std::move(value))
    {}
    // Accepts anything convertible to T (e.g. a QStringBuilder expression for Result<QString>).
    template<typename U,
             typename = std::enable_if_t<std::is_convertible_v<U, T> && !std::is_same_v<std::decay_t<U>, T> &&
                                         !std::is_same_v<std::decay_t<U>, Error>>>
    Result(U &&value)
        : m_data(std::in_place_index<0>, T(std::forward<U>(value)))
    {}
    Result(Error error)
        : m_data(std::in_place_index<1>, std::move(error))
    {}

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

template<> class Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
        , m_failed(true)
    {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

} // namespace d365

Q_DECLARE_METATYPE(d365::Error)
