#include "ui/messagebanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>

using namespace Qt::StringLiterals;

namespace d365::ui {

MessageBanner::MessageBanner(QWidget *parent)
    : QFrame(parent)
{
    setObjectName(u"messageBanner"_s);
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);

    m_iconLabel = new QLabel(this);
    m_iconLabel->setObjectName(u"messageBannerIconLabel"_s);
    m_iconLabel->setAlignment(Qt::AlignTop);

    m_textLabel = new QLabel(this);
    m_textLabel->setObjectName(u"messageBannerTextLabel"_s);
    m_textLabel->setWordWrap(true);
    m_textLabel->setTextFormat(Qt::PlainText); // problem texts quote user input: never interpret it as HTML
    // Users copy these messages (a CLI command, a JSON path) into a terminal or a ticket.
    m_textLabel->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_textLabel->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);

    m_closeButton = new QToolButton(this);
    m_closeButton->setObjectName(u"messageBannerCloseButton"_s);
    m_closeButton->setAutoRaise(true);
    m_closeButton->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    m_closeButton->setToolTip(tr("Close this message"));
    m_closeButton->setAccessibleName(tr("Close message"));
    connect(m_closeButton, &QToolButton::clicked, this, &MessageBanner::hideMessage);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 4, 6);
    layout->addWidget(m_iconLabel, 0, Qt::AlignTop);
    layout->addWidget(m_textLabel, 1);
    layout->addWidget(m_closeButton, 0, Qt::AlignTop);

    hide();
}

QString MessageBanner::text() const
{
    return m_textLabel->text();
}

void MessageBanner::showMessage(const QString &text, Type type)
{
    m_type = type;
    m_textLabel->setText(text);
    applyStyle();
    show();
}

void MessageBanner::hideMessage()
{
    if (isHidden())
        return;
    hide();
    Q_EMIT closed();
}

void MessageBanner::applyStyle()
{
    QStyle::StandardPixmap pixmap = QStyle::SP_MessageBoxInformation;
    QColor background(0xdd, 0xeb, 0xf7); // soft blue
    QColor border(0x5b, 0x8d, 0xc9);
    switch (m_type) {
    case Type::Information:
        break;
    case Type::Warning:
        pixmap = QStyle::SP_MessageBoxWarning;
        background = QColor(0xfc, 0xf3, 0xcf);
        border = QColor(0xd6, 0xa7, 0x1c);
        break;
    case Type::Error:
        pixmap = QStyle::SP_MessageBoxCritical;
        background = QColor(0xf9, 0xde, 0xdc);
        border = QColor(0xc4, 0x31, 0x2b);
        break;
    }
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_iconLabel->setPixmap(style()->standardIcon(pixmap, nullptr, this).pixmap(iconSize, iconSize));
    // A style sheet on this frame only (selector by object name, which a dialog may change) so child widgets
    // keep the platform style; the text colour is fixed because the background is light whatever the desktop
    // theme.
    setStyleSheet(
        u"QFrame#%3 { background-color: %1; border: 1px solid %2; border-radius: 4px; }"
        u"QFrame#%3 QLabel { color: #1f1f1f; }"_s.arg(background.name(), border.name(), objectName()));
}

} // namespace d365::ui
