#pragma once

// CsvSource reads a CSV file (RFC 4180) as a warehouse source: the first record is the header (the column
// names), every further record a row. UTF-8, with or without a byte order mark; records end with CRLF or LF;
// fields are separated by the spec's delimiter (',' by default, '\t' for tab-separated files) and may be
// enclosed in the quote character ('"'), which lets them hold delimiters, line breaks and doubled quotes.
//
//   CsvSource source(spec);     // no I/O yet
//   source.open();              // reads the header, then checks every record (see below), then rewinds
//   source.columns();           // the header's names
//   source.columnTypes();       // the spec's type hints (integer, decimal, boolean, date, datetime)
//   source.countRows();         // the records counted by that check (a scan when open() was not called)
//   while (source.next(row)) …; // streams the records; memory holds one record at a time
//
// open() reads the whole file once before the first row is handed out, so a file with a bad record — an
// unbalanced quote, a quote inside an unquoted field, a record with more or fewer fields than the header,
// text that is not UTF-8, a value that does not fit its column's type hint — is refused with the line number
// and what to fix before anything is synced (a sync must not stop half-way through a file).
//
// Values: an empty unquoted field is NULL, a quoted empty field ("") is empty text (as sqlite3 -csv writes
// them); with a type hint, an empty field is NULL and anything else must parse (C locale: '.' as the decimal
// separator; dates YYYY-MM-DD; date-times ISO 8601, with or without an offset; booleans true/false, 1/0,
// yes/no). Blank lines are skipped.

#include "services/warehouse/sourcespec.h"
#include "services/warehouse/warehousesource.h"

#include <QFile>
#include <QStringDecoder>

#include <optional>
#include <vector>

namespace d365::services {

class CsvSource final : public WarehouseSource
{
public:
    explicit CsvSource(SourceSpec spec);
    ~CsvSource() override;

    CsvSource(const CsvSource &) = delete;
    CsvSource &operator=(const CsvSource &) = delete;

    Result<void> open() override;
    QStringList columns() const override;
    QHash<QString, QMetaType::Type> columnTypes() const override;
    Result<qint64> countRows() override;
    bool next(SourceRow &row) override;
    std::optional<Error> lastError() const override;

    // A field longer than this is refused: it is almost always a quote that never closes.
    static constexpr qsizetype MaxFieldBytes = 16 * 1024 * 1024;

private:
    struct Field
    {
        QByteArray bytes;
        bool quoted = false;
    };
    enum class ReadResult { Record, End, Failed };

    Result<void> openFile();
    Result<void> readHeader();
    // Reads every record after the header, converting each value, and counts them; then rewinds.
    Result<qint64> checkAllRecords();
    ReadResult readRecord();
    bool fillBuffer();
    int getByte();  // -1 at the end of the file
    int peekByte(); // -1 at the end of the file
    Result<QVariant> convert(int column, const Field &field);
    Error lineError(qint64 line, const QString &problem) const;
    Error sourceError(const QString &message, const QString &detail) const;
    QString shownPath() const;

    SourceSpec m_spec;
    char m_delimiter = ',';
    char m_quote = '"';
    QFile m_file;
    QByteArray m_buffer;
    qsizetype m_bufferPos = 0;
    qint64 m_dataStart = 0; // file offset of the first record after the header
    qint64 m_line = 1;      // physical line of the next byte
    qint64 m_dataLine = 2;  // the line the first record after the header starts on
    qint64 m_recordLine = 1;
    std::vector<Field> m_fields;
    std::optional<Error> m_readError;
    QStringDecoder m_decoder{QStringDecoder::Utf8, QStringDecoder::Flag::Stateless};

    QStringList m_columns;
    QList<std::optional<CsvColumnType>> m_types; // per column, nullopt: untyped text
    QHash<QString, QMetaType::Type> m_columnTypes;
    std::optional<qint64> m_rowCount;
    qint64 m_index = 0;
    bool m_headerRead = false;
    bool m_open = false;
    std::optional<Error> m_lastError;
};

} // namespace d365::services
