#pragma once

// A one-line label that never widens its window. QLabel asks for the width of its whole text, so a long
// status
// ("Reconnect required for profile … AADSTS…") in a horizontal layout pushed the window wider than the screen
// and its buttons off it. This label asks for room for a few characters at least, draws as much of the text
// as fits with "…" (at the end, or in the middle for paths and URLs), and shows the whole text as its
// tooltip. text() stays the whole text.

#include <QLabel>

namespace d365::ui {

class ElidingLabel : public QLabel
{
    Q_OBJECT
public:
    explicit ElidingLabel(QWidget *parent = nullptr, Qt::TextElideMode mode = Qt::ElideRight);

    // Whether the text on screen is cut (the tooltip then shows all of it).
    bool isElided() const;
    // At most this many average characters are asked for when space is shared out (0: the whole text), so a
    // long value next to it does not take the room a more important one needs.
    void setPreferredCharacters(int characters)
    {
        m_preferredCharacters = characters;
        updateGeometry();
    }
    // It never shrinks below this many average characters (fewer if the whole text is shorter).
    void setMinimumCharacters(int characters)
    {
        m_minimumCharacters = characters;
        updateGeometry();
    }

    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    QString elidedText() const;

    Qt::TextElideMode m_mode;
    int m_preferredCharacters = 0;
    int m_minimumCharacters = 10; // enough for a word and the ellipsis
};

} // namespace d365::ui
