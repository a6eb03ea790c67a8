#include "services/warehouse/csvsource.h"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QLoggingCategory>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcCsv, "d365.warehouse.csv")

namespace d365::services {

namespace {

struct Text
{
    Q_DECLARE_TR_FUNCTIONS(CsvSource)
};

constexpr qsizetype BufferSize = 256 * 1024;

bool isAscii(const QByteArray &bytes)
{
    for (const char c : bytes) {
        if (static_cast<unsigned char>(c) >= 0x80)
            return false;
    }
    return true;
}

// The C locale without group separators: "12,50" is not twelve hundred and fifty.
const QLocale &numberLocale()
{
    static const QLocale locale = [] {
        QLocale c = QLocale::c();
        c.setNumberOptions(QLocale::RejectGroupSeparator | QLocale::OmitGroupSeparator);
        return c;
    }();
    return locale;
}

QString shownValue(const QString &text)
{
    return text.size() > 40 ? text.left(37) + u"..."_s : text;
}

QString printable(char c)
{
    if (c == '\t')
        return u"\\t (tab)"_s;
    return QString(QLatin1Char(c));
}

} // namespace

CsvSource::CsvSource(SourceSpec spec)
    : m_spec(std::move(spec))
{
    if (m_spec.delimiter.size() == 1 && m_spec.delimiter.at(0).unicode() < 0x80)
        m_delimiter = char(m_spec.delimiter.at(0).unicode());
    if (m_spec.quote.size() == 1 && m_spec.quote.at(0).unicode() < 0x80)
        m_quote = char(m_spec.quote.at(0).unicode());
}

CsvSource::~CsvSource() = default;

QString CsvSource::shownPath() const
{
    return QDir::toNativeSeparators(m_spec.path);
}

Error CsvSource::sourceError(const QString &message, const QString &detail) const
{
    return Error::make(ErrorCategory::Source, message, detail);
}

Error CsvSource::lineError(qint64 line, const QString &problem) const
{
    return sourceError(Text::tr("The CSV file \"%1\" has a bad record on line %2: %3")
                           .arg(shownPath())
                           .arg(line)
                           .arg(problem),
                       u"%1:%2: %3"_s.arg(m_spec.path).arg(line).arg(problem));
}

Result<void> CsvSource::openFile()
{
    if (m_file.isOpen())
        return {};
    const QFileInfo info(m_spec.path);
    if (m_spec.path.isEmpty() || !info.exists()) {
        return sourceError(
            Text::tr("The CSV file \"%1\" does not exist. Check source.path in the mapping file (a "
                     "relative path is relative to the mapping file's folder).")
                .arg(shownPath()),
            u"missing CSV file: "_s + m_spec.path);
    }
    if (!info.isFile()) {
        return sourceError(Text::tr("The CSV source \"%1\" is not a file. Point source.path at the CSV file.")
                               .arg(shownPath()),
                           u"not a file: "_s + m_spec.path);
    }
    if (m_spec.delimiter.size() != 1 || m_spec.quote.size() != 1 || m_delimiter == m_quote ||
        m_spec.delimiter.at(0).unicode() >= 0x80 || m_spec.quote.at(0).unicode() >= 0x80) {
        return Error::make(
            ErrorCategory::Configuration,
            Text::tr("The CSV delimiter and quote must be two different single ASCII characters "
                     "(source.delimiter \"%1\", source.quote \"%2\").")
                .arg(m_spec.delimiter, m_spec.quote));
    }
    m_file.setFileName(m_spec.path);
    if (!m_file.open(QIODevice::ReadOnly)) {
        return sourceError(
            Text::tr("The CSV file \"%1\" cannot be read: %2. Check that the file's permissions let "
                     "you read it.")
                .arg(shownPath(), m_file.errorString()),
            u"cannot read "_s + m_spec.path + u": "_s + m_file.errorString());
    }
    return {};
}

bool CsvSource::fillBuffer()
{
    if (m_bufferPos < m_buffer.size())
        return true;
    m_buffer = m_file.read(BufferSize);
    m_bufferPos = 0;
    return !m_buffer.isEmpty();
}

int CsvSource::getByte()
{
    if (m_bufferPos >= m_buffer.size() && !fillBuffer())
        return -1;
    return static_cast<unsigned char>(m_buffer.at(m_bufferPos++));
}

int CsvSource::peekByte()
{
    if (m_bufferPos >= m_buffer.size() && !fillBuffer())
        return -1;
    return static_cast<unsigned char>(m_buffer.at(m_bufferPos));
}

CsvSource::ReadResult CsvSource::readRecord()
{
    enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted };
    m_fields.clear();
    m_readError.reset();
    State state = State::FieldStart;
    Field field;
    bool blank = true; // nothing but a line break so far: a blank line is skipped
    m_recordLine = m_line;
    const auto fail = [this](const QString &problem) {
        m_readError = lineError(m_recordLine, problem);
        return ReadResult::Failed;
    };
    const auto endOfLine = [this](int c) {
        if (c == '\r' && peekByte() == '\n')
            getByte();
        ++m_line;
    };
    for (;;) {
        const int c = getByte();
        if (c == 0)
            return fail(
                Text::tr("it contains a NUL byte, so this is not a text file (or it is UTF-16: save it as "
                         "UTF-8)."));
        if (field.bytes.size() > MaxFieldBytes) {
            return fail(
                Text::tr("a field is longer than %1 MB, which is almost always a quote (%2) that opens a "
                         "field and never closes. Check the quotes of this record.")
                    .arg(MaxFieldBytes / (1024 * 1024))
                    .arg(printable(m_quote)));
        }
        switch (state) {
        case State::FieldStart:
            if (c == -1) {
                if (blank)
                    return ReadResult::End;
                m_fields.push_back(std::move(field));
                return ReadResult::Record;
            }
            if (c == '\r' || c == '\n') {
                endOfLine(c);
                if (blank) {
                    m_recordLine = m_line; // a blank line: the record starts on the next one
                    continue;
                }
                m_fields.push_back(std::move(field));
                return ReadResult::Record;
            }
            blank = false;
            if (c == m_quote) {
                field.quoted = true;
                state = State::Quoted;
            } else if (c == m_delimiter) {
                m_fields.push_back(std::move(field));
                field = Field();
            } else {
                field.bytes.append(char(c));
                state = State::Unquoted;
            }
            break;
        case State::Unquoted:
            if (c == -1 || c == '\r' || c == '\n') {
                if (c != -1)
                    endOfLine(c);
                m_fields.push_back(std::move(field));
                return ReadResult::Record;
            }
            if (c == m_delimiter) {
                m_fields.push_back(std::move(field));
                field = Field();
                state = State::FieldStart;
            } else if (c == m_quote) {
                return fail(
                    Text::tr("field %1 holds a quote (%2) but does not start with one. Enclose the whole "
                             "field in quotes and double the quotes inside it (\"say \"\"hi\"\"\"), or set "
                             "source.quote to a character the file does not use.")
                        .arg(m_fields.size() + 1)
                        .arg(printable(m_quote)));
            } else {
                field.bytes.append(char(c));
            }
            break;
        case State::Quoted:
            if (c == -1) {
                return fail(Text::tr("field %1 opens a quote (%2) that is never closed before the end of the "
                                     "file. Close it, or double a quote that belongs to the text.")
                                .arg(m_fields.size() + 1)
                                .arg(printable(m_quote)));
            }
            if (c == m_quote) {
                state = State::QuoteInQuoted;
            } else {
                if (c == '\n' || (c == '\r' && peekByte() != '\n'))
                    ++m_line;
                field.bytes.append(char(c));
            }
            break;
        case State::QuoteInQuoted:
            if (c == m_quote) {
                field.bytes.append(char(c)); // "" inside quotes is one quote
                state = State::Quoted;
            } else if (c == m_delimiter) {
                m_fields.push_back(std::move(field));
                field = Field();
                state = State::FieldStart;
            } else if (c == -1 || c == '\r' || c == '\n') {
                if (c != -1)
                    endOfLine(c);
                m_fields.push_back(std::move(field));
                return ReadResult::Record;
            } else {
                return fail(
                    Text::tr("field %1 has text after its closing quote (%2). Double a quote that belongs "
                             "to the text (\"\"), and put the delimiter (%3) right after the closing quote.")
                        .arg(m_fields.size() + 1)
                        .arg(printable(m_quote), printable(m_delimiter)));
            }
            break;
        }
    }
}

Result<void> CsvSource::readHeader()
{
    if (m_headerRead)
        return {};
    if (auto opened = openFile(); !opened.ok())
        return opened;
    m_file.seek(0);
    m_buffer.clear();
    m_bufferPos = 0;
    m_line = 1;
    const QByteArray head = m_file.peek(4);
    if (head.isEmpty()) {
        return sourceError(Text::tr("The CSV file \"%1\" is empty (0 bytes): it has no header row. Check "
                                    "source.path in the mapping file, or export the file again.")
                               .arg(shownPath()),
                           u"empty CSV file: "_s + m_spec.path);
    }
    if (head.startsWith("\xFF\xFE") || head.startsWith("\xFE\xFF")) {
        return sourceError(
            Text::tr("The CSV file \"%1\" is UTF-16 text. Save it as UTF-8 (in Excel: \"CSV UTF-8\"); "
                     "D365 Sync reads UTF-8 with or without a byte order mark.")
                .arg(shownPath()),
            u"UTF-16 BOM: "_s + m_spec.path);
    }
    if (m_file.peek(16) == QByteArray("SQLite format 3", 16)) {
        return sourceError(
            Text::tr("The file \"%1\" is a SQLite database, not a CSV file. Use \"type\": \"sqlite\" "
                     "with a query in the mapping file.")
                .arg(shownPath()),
            u"SQLite file given as CSV: "_s + m_spec.path);
    }
    if (head.startsWith("\xEF\xBB\xBF"))
        m_file.seek(3); // UTF-8 byte order mark, as Excel writes it
    if (readRecord() != ReadResult::Record) {
        if (m_readError)
            return *m_readError;
        return sourceError(
            Text::tr("The CSV file \"%1\" has no header row: it holds only blank lines.").arg(shownPath()),
            u"no header: "_s + m_spec.path);
    }
    m_columns.clear();
    QSet<QString> seen;
    for (qsizetype i = 0; i < qsizetype(m_fields.size()); ++i) {
        m_decoder.resetState();
        const QString name = QString(m_decoder.decode(m_fields.at(i).bytes)).trimmed();
        if (m_decoder.hasError())
            return lineError(m_recordLine, Text::tr("the header is not UTF-8 text. Save the file as UTF-8."));
        if (name.isEmpty()) {
            return lineError(m_recordLine,
                             Text::tr("column %1 of the header row has no name. Every column needs a "
                                      "name: the mapping's fields refer to it.")
                                 .arg(i + 1));
        }
        if (seen.contains(name)) {
            return lineError(
                m_recordLine,
                Text::tr("the header names the column \"%1\" twice. Rename one of them.").arg(name));
        }
        seen.insert(name);
        m_columns << name;
    }
    // One column whose name holds another common delimiter: the file is probably separated by that one.
    if (m_columns.size() == 1) {
        for (const char other : {';', '\t', '|', ','}) {
            if (other != m_delimiter && m_columns.first().contains(QLatin1Char(other))) {
                qCInfo(lcCsv) << "the header has one column containing" << other;
                return lineError(
                    m_recordLine,
                    Text::tr("the header has a single column \"%1\", which contains '%2': the file "
                             "seems to be separated by '%2', not by '%3'. Set \"delimiter\": \"%4\" in "
                             "the mapping's source.")
                        .arg(shownValue(m_columns.first()), printable(other), printable(m_delimiter),
                             other == '\t' ? u"\\t"_s : QString(QLatin1Char(other))));
            }
        }
    }
    m_types.clear();
    m_columnTypes.clear();
    for (const QString &column : std::as_const(m_columns)) {
        const auto hint = m_spec.columnTypes.constFind(column);
        if (hint == m_spec.columnTypes.cend()) {
            m_types << std::nullopt;
        } else {
            m_types << *hint;
            m_columnTypes.insert(column, csvColumnMetaType(*hint));
        }
    }
    for (auto it = m_spec.columnTypes.cbegin(); it != m_spec.columnTypes.cend(); ++it) {
        if (!m_columns.contains(it.key())) {
            return Error::make(
                ErrorCategory::Configuration,
                Text::tr("source.columnTypes names the column \"%1\", which the header of \"%2\" does "
                         "not have. Its columns: %3.")
                    .arg(it.key(), shownPath(), m_columns.join(u", "_s)));
        }
    }
    m_dataStart = m_file.pos() - (m_buffer.size() - m_bufferPos);
    m_dataLine = m_line;
    m_headerRead = true;
    return {};
}

Result<QVariant> CsvSource::convert(int column, const Field &field)
{
    QString text;
    if (isAscii(field.bytes)) {
        text = QString::fromLatin1(field.bytes);
    } else {
        m_decoder.resetState();
        text = m_decoder.decode(field.bytes);
        if (m_decoder.hasError()) {
            return lineError(m_recordLine,
                             Text::tr("the value of column \"%1\" is not UTF-8 text. Save the file as "
                                      "UTF-8 (in Excel: \"CSV UTF-8\").")
                                 .arg(m_columns.at(column)));
        }
    }
    const auto type = m_types.at(column);
    if (!type || *type == CsvColumnType::Text) {
        if (text.isEmpty() && !field.quoted)
            return QVariant(); // an empty unquoted field is NULL, "" is empty text
        return QVariant(text);
    }
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return QVariant();
    const auto wrong = [&](const QString &expected) -> Result<QVariant> {
        return lineError(
            m_recordLine,
            Text::tr("the value \"%1\" of column \"%2\" is not %3 (source.columnTypes "
                     "says %4). Fix the value, or change the column's type.")
                .arg(shownValue(text), m_columns.at(column), expected, csvColumnTypeName(*type)));
    };
    bool ok = false;
    switch (*type) {
    case CsvColumnType::Text:
        break;
    case CsvColumnType::Integer: {
        const qlonglong value = numberLocale().toLongLong(trimmed, &ok);
        if (!ok)
            return wrong(Text::tr("a whole number"));
        return QVariant(value);
    }
    case CsvColumnType::Decimal: {
        const double value = numberLocale().toDouble(trimmed, &ok);
        if (!ok || !std::isfinite(value))
            return wrong(Text::tr("a number with '.' as the decimal separator"));
        return QVariant(value);
    }
    case CsvColumnType::Boolean: {
        const QString lower = trimmed.toLower();
        if (lower == "true"_L1 || lower == "1"_L1 || lower == "yes"_L1 || lower == "y"_L1 || lower == "t"_L1)
            return QVariant(true);
        if (lower == "false"_L1 || lower == "0"_L1 || lower == "no"_L1 || lower == "n"_L1 || lower == "f"_L1)
            return QVariant(false);
        return wrong(Text::tr("true/false, 1/0 or yes/no"));
    }
    case CsvColumnType::Date: {
        const QDate date = QDate::fromString(trimmed, Qt::ISODate);
        if (!date.isValid() || trimmed.size() != 10)
            return wrong(Text::tr("a date written YYYY-MM-DD"));
        return QVariant(date);
    }
    case CsvColumnType::DateTime: {
        QString iso = trimmed;
        if (iso.size() > 10 && iso.at(10) == u' ')
            iso[10] = u'T';
        QDateTime dateTime = QDateTime::fromString(iso, Qt::ISODateWithMs);
        if (!dateTime.isValid() && iso.size() == 10)
            dateTime = QDateTime(QDate::fromString(iso, Qt::ISODate), QTime(0, 0));
        if (!dateTime.isValid())
            return wrong(
                Text::tr("an ISO 8601 date and time (2024-05-31T14:30:00, optionally with Z or +02:00)"));
        return QVariant(dateTime);
    }
    }
    return QVariant(text);
}

Result<qint64> CsvSource::checkAllRecords()
{
    qint64 rows = 0;
    for (;;) {
        const ReadResult read = readRecord();
        if (read == ReadResult::End)
            break;
        if (read == ReadResult::Failed)
            return *m_readError;
        if (m_fields.size() != size_t(m_columns.size())) {
            return lineError(m_recordLine,
                             Text::tr("it has %1 fields, but the header has %2 columns. Check the "
                                      "delimiters (%3) and the quotes (%4) of this record: a "
                                      "delimiter inside a value needs quotes around the value.")
                                 .arg(m_fields.size())
                                 .arg(m_columns.size())
                                 .arg(printable(m_delimiter), printable(m_quote)));
        }
        for (int i = 0; i < int(m_fields.size()); ++i) {
            if (auto value = convert(i, m_fields.at(i)); !value.ok())
                return value.error();
        }
        ++rows;
    }
    // Back to the first record for next().
    m_file.seek(m_dataStart);
    m_buffer.clear();
    m_bufferPos = 0;
    m_line = m_dataLine;
    return rows;
}

Result<void> CsvSource::open()
{
    if (m_open)
        return {};
    m_lastError.reset();
    if (auto header = readHeader(); !header.ok())
        return header;
    const auto counted = checkAllRecords();
    if (!counted.ok())
        return counted.error();
    m_rowCount = counted.value();
    m_index = 0;
    m_open = true;
    qCDebug(lcCsv) << "opened" << m_spec.path << "columns:" << m_columns << "rows:" << *m_rowCount;
    return {};
}

QStringList CsvSource::columns() const
{
    return m_columns;
}

QHash<QString, QMetaType::Type> CsvSource::columnTypes() const
{
    return m_columnTypes;
}

Result<qint64> CsvSource::countRows()
{
    if (m_rowCount)
        return *m_rowCount;
    if (auto header = readHeader(); !header.ok())
        return header.error();
    const auto counted = checkAllRecords();
    if (counted.ok())
        m_rowCount = counted.value();
    return counted;
}

bool CsvSource::next(SourceRow &row)
{
    if (!m_open || m_lastError)
        return false;
    const ReadResult read = readRecord();
    if (read == ReadResult::End)
        return false;
    if (read == ReadResult::Failed) {
        m_lastError = m_readError;
        return false;
    }
    if (m_fields.size() != size_t(m_columns.size())) {
        // Checked by open(); the file changed since.
        m_lastError =
            lineError(m_recordLine, Text::tr("it has %1 fields, but the header has %2 columns (the file "
                                             "changed while it was read).")
                                        .arg(m_fields.size())
                                        .arg(m_columns.size()));
        return false;
    }
    const int columnCount = int(m_columns.size());
    row.index = m_index++;
    row.values.resize(columnCount);
    for (int i = 0; i < columnCount; ++i) {
        auto value = convert(i, m_fields.at(i));
        if (!value.ok()) {
            m_lastError = value.error();
            return false;
        }
        row.values[i] = std::move(value.value());
    }
    return true;
}

std::optional<Error> CsvSource::lastError() const
{
    return m_lastError;
}

} // namespace d365::services
