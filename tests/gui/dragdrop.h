#pragma once

// Test support for GUI tests: a drag and drop with the mouse, from an item view onto a widget.
//
//   const DropResult result = mouseDragAndDrop(sourceView, sourceIndex, targetViewport, targetPoint);
//
// What is real and what is delivered by hand, and why:
//   - The drag half is real: QTest mouse press on the item, moves past the start distance. The view
//     selects the item, enters its dragging state and runs its own startDrag(), which asks the model for
//     mimeData() of the selected draggable items and starts a QDrag with it. The helper finds that QDrag
//     (a child of the view until the event loop deletes it) and takes its MIME data: the drop gets exactly
//     what the view put in the drag.
//   - The drop half depends on the platform. Under a real display (xcb, e.g. Xvfb) the drag loop runs: the
//     moves and the release are queued before the drag starts and run inside QDrag::exec(), and the platform
//     delivers the drop. The offscreen platform that CI runs GUI tests on has a QPlatformDrag whose drag()
//     returns at once (qtbase src/plugins/platforms/offscreen/qoffscreencommon.h, QOffscreenDrag), so no drag
//     loop ever runs there; the helper then delivers what the platform would — QDragEnterEvent,
//     QDragMoveEvent and QDropEvent at the target point, carrying that MIME data and the drag's actions —
//     to the target viewport. From there it is the view's own path: dragEnterEvent/dragMoveEvent
//     (canDropMimeData, the drop indicator position), dropEvent → the model's dropMimeData.
//
// The result says whether a drag started (an item that cannot be dragged starts none) and whether the target
// accepted the drop.

#include <QAbstractItemView>
#include <QApplication>
#include <QDrag>
#include <QDropEvent>
#include <QGuiApplication>
#include <QMimeData>
#include <QPointer>
#include <QTest>
#include <QTimer>

#include <memory>

namespace d365::testsupport {

struct DropResult
{
    bool dragStarted = false;
    bool dropAccepted = false;
    explicit operator bool() const { return dragStarted && dropAccepted; }
};

namespace detail {

inline std::unique_ptr<QMimeData> copyOf(const QMimeData *data)
{
    auto copy = std::make_unique<QMimeData>();
    for (const QString &format : data->formats())
        copy->setData(format, data->data(format));
    return copy;
}

} // namespace detail

inline DropResult mouseDragAndDrop(QAbstractItemView *from, const QModelIndex &index, QWidget *to,
                                   QPoint toPoint)
{
    DropResult result;
    QWidget *viewport = from->viewport();
    from->scrollTo(index);
    const QPoint start = from->visualRect(index).center();
    const int distance = QApplication::startDragDistance();
    const QPoint away = start + QPoint(distance + 10, 2);
    const bool realDragLoop = QGuiApplication::platformName() != QLatin1String("offscreen");

    // With a real drag loop: the moves over the target and the release run inside QDrag::exec(). A timer on
    // the stack, so it can never fire after this function.
    bool loopRan = false;
    QPointer<QWidget> target(to);
    QTimer dropper;
    dropper.setSingleShot(true);
    QObject::connect(&dropper, &QTimer::timeout, to, [target, toPoint, &loopRan] {
        loopRan = true;
        if (!target)
            return;
        QTest::mouseMove(target, toPoint - QPoint(0, 3));
        QTest::mouseMove(target, toPoint);
        QTest::mouseRelease(target, Qt::LeftButton, {}, toPoint);
    });
    if (realDragLoop)
        dropper.start(0);

    // A drag left over from an earlier gesture is not this one's.
    const QList<QDrag *> before = from->findChildren<QDrag *>(QString(), Qt::FindDirectChildrenOnly);
    QTest::mousePress(viewport, Qt::LeftButton, {}, start);
    QTest::mouseMove(viewport, start + QPoint(distance / 2 + 1, 0)); // the view enters its dragging state
    QTest::mouseMove(viewport, away);                                // past the start distance: startDrag()
    // The view's QDrag (new QDrag(this) in startDrag) lives until the event loop deletes it: still here.
    QDrag *drag = nullptr;
    for (QDrag *candidate : from->findChildren<QDrag *>(QString(), Qt::FindDirectChildrenOnly)) {
        if (!before.contains(candidate))
            drag = candidate;
    }
    result.dragStarted = (drag && drag->mimeData()) || loopRan;

    if (realDragLoop && loopRan) {
        result.dropAccepted = true; // the caller checks what the drop did
        return result;
    }
    if (!result.dragStarted) {
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, away);
        return result;
    }

    // The offscreen platform's drag returned at once: deliver the drop half as the platform would.
    const std::unique_ptr<QMimeData> data = detail::copyOf(drag->mimeData());
    const Qt::DropActions actions = drag->supportedActions();
    const Qt::DropAction proposed =
        drag->defaultAction() != Qt::IgnoreAction ? drag->defaultAction() : Qt::CopyAction;
    QDragEnterEvent enter(toPoint - QPoint(0, 3), actions, data.get(), Qt::LeftButton, Qt::NoModifier);
    enter.setDropAction(proposed);
    QApplication::sendEvent(to, &enter);
    QDragMoveEvent move(toPoint, actions, data.get(), Qt::LeftButton, Qt::NoModifier);
    move.setDropAction(proposed);
    QApplication::sendEvent(to, &move);
    if (enter.isAccepted() && move.isAccepted()) {
        QDropEvent drop(toPoint, actions, data.get(), Qt::LeftButton, Qt::NoModifier);
        drop.setDropAction(proposed);
        QApplication::sendEvent(to, &drop);
        result.dropAccepted = drop.isAccepted();
    } else {
        QDragLeaveEvent leave;
        QApplication::sendEvent(to, &leave);
    }
    QTest::mouseRelease(to, Qt::LeftButton, {}, toPoint);
    return result;
}

// The centre of a row of a view, in the coordinates of its viewport (where drops land).
inline QPoint centreOf(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    return view->visualRect(index).center();
}

} // namespace d365::testsupport
