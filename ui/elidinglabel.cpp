#include "ui/elidinglabel.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHelpEvent>
#include <QPainter>
#include <QStyle>
#include <QToolTip>

#include <algorithm>

namespace d365::ui {

ElidingLabel::ElidingLabel(QWidget *parent, Qt::TextElideMode mode)
    : QLabel(parent)
    , m_mode(mode)
{
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

QSize ElidingLabel::minimumSizeHint() const
{
    const QSize whole = QLabel::minimumSizeHint();
    const int chars = fontMetrics().averageCharWidth() * m_minimumCharacters;
    return {std::min(whole.width(), chars), whole.height()};
}

QSize ElidingLabel::sizeHint() const
{
    QSize hint = QLabel::sizeHint();
    if (m_preferredCharacters > 0)
        hint.setWidth(std::min(hint.width(), fontMetrics().averageCharWidth() * m_preferredCharacters));
    return hint;
}

QString ElidingLabel::elidedText() const
{
    const int room = std::max(contentsRect().width() - 2 * margin() - 2 * indent(), 0);
    return fontMetrics().elidedText(text(), m_mode, room);
}

bool ElidingLabel::isElided() const
{
    return elidedText() != text();
}

bool ElidingLabel::event(QEvent *event)
{
    // The whole text is one hover away whenever part of it is hidden (unless a tooltip of its own was set).
    if (event->type() == QEvent::ToolTip && toolTip().isEmpty()) {
        auto *help = static_cast<QHelpEvent *>(event);
        if (isElided())
            QToolTip::showText(help->globalPos(), text(), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QLabel::event(event);
}

void ElidingLabel::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    drawFrame(&painter);
    const QRect area = contentsRect().adjusted(margin(), margin(), -margin(), -margin());
    style()->drawItemText(&painter, area, QStyle::visualAlignment(layoutDirection(), alignment()), palette(),
                          isEnabled(), elidedText(), foregroundRole());
}

} // namespace d365::ui
