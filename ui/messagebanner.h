#pragma once

// An inline banner at the top of the window for recoverable problems (a mapping that failed to load, a sync
// that stopped, a missing profile). It replaces modal message boxes: the user can read it, select and copy
// its text, keep working, and close it. showMessage() replaces whatever the banner showed before.

#include <QFrame>

class QLabel;
class QToolButton;

namespace d365::ui {

class MessageBanner : public QFrame
{
    Q_OBJECT
public:
    enum class Type { Information, Warning, Error };
    Q_ENUM(Type)

    explicit MessageBanner(QWidget *parent = nullptr);

    QString text() const;
    Type messageType() const { return m_type; }

public Q_SLOTS:
    void showMessage(const QString &text, d365::ui::MessageBanner::Type type);
    void showError(const QString &text) { showMessage(text, Type::Error); }
    void showWarning(const QString &text) { showMessage(text, Type::Warning); }
    void showInformation(const QString &text) { showMessage(text, Type::Information); }
    void hideMessage();

Q_SIGNALS:
    void closed();

private:
    void applyStyle();

    QLabel *m_iconLabel = nullptr;
    QLabel *m_textLabel = nullptr;
    QToolButton *m_closeButton = nullptr;
    Type m_type = Type::Information;
};

} // namespace d365::ui
