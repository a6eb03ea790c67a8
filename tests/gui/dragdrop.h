#pragma once

// Test support for GUI tests: a drag and drop done with the mouse, through Qt's own drag machinery.
//
//   mouseDragAndDrop(sourceView, sourceIndex, targetWidget, targetPoint);
//
// Real QTest mouse events: a press on the item, moves past the start distance (the view enters its
// dragging state and calls startDrag(), which runs QDrag::exec()), then moves over the target and a release
// there. QDrag::exec() runs its own event loop until the drop, so the second half is queued before the
// drag starts and runs inside that loop. The platform drag (QSimpleDrag on the offscreen and xcb-less
// platforms) sees the moves and the release through its application event filter, sends the target
// QDragEnter/QDragMove/QDrop events through the window system, and the target view calls its model's
// canDropMimeData/dropMimeData: the same path as a user's drag. Nothing is simulated past the mouse.
//
// Returns whether the drag started at all (the view's startDrag ran); the caller checks what the drop did.

#include <QAbstractItemView>
#include <QApplication>
#include <QPointer>
#include <QTest>
#include <QTimer>

namespace d365::testsupport {

inline bool mouseDragAndDrop(QAbstractItemView *from, const QModelIndex &index, QWidget *to, QPoint toPoint)
{
    QWidget *viewport = from->viewport();
    from->scrollTo(index);
    const QPoint start = from->visualRect(index).center();
    bool dragStarted = false;
    QPointer<QWidget> target(to);
    // Runs inside QDrag::exec()'s event loop: over the target, then release. A timer on the stack, so it
    // can never fire after this function (when no drag began).
    QTimer dropper;
    dropper.setSingleShot(true);
    QObject::connect(&dropper, &QTimer::timeout, to, [target, toPoint, &dragStarted] {
        dragStarted = true;
        if (!target)
            return;
        QTest::mouseMove(target, toPoint - QPoint(0, 3));
        QTest::mouseMove(target, toPoint);
        QTest::mouseRelease(target, Qt::LeftButton, {}, toPoint);
    });
    dropper.start(0);
    QTest::mousePress(viewport, Qt::LeftButton, {}, start);
    const int distance = QApplication::startDragDistance();
    QTest::mouseMove(viewport, start + QPoint(distance / 2 + 1, 0)); // the view enters its dragging state
    QTest::mouseMove(viewport, start + QPoint(distance + 10, 2));    // past the start distance: startDrag()
    if (!dragStarted) {
        // No drag began (the item cannot be dragged): let go of the button where we are.
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, start + QPoint(distance + 10, 2));
    }
    return dragStarted;
}

// The centre of a row of a view, in the coordinates of its viewport (where drops land).
inline QPoint centreOf(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    return view->visualRect(index).center();
}

} // namespace d365::testsupport
