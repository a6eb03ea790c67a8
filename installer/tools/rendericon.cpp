// d365-render-icon: renders the application icon (an SVG) to a square PNG or ICO at build time, so the PNG
// sizes the icon theme wants always match resources/icons/d365sync.svg and no image tool beyond Qt is needed
// (ImageMagick on Debian 12 cannot read SVG without an extra delegate).
//
//   d365-render-icon <in.svg> <out.png|out.ico> <size>

#include <QCoreApplication>
#include <QImage>
#include <QImageWriter>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char **argv)
{
    // No QGuiApplication: QPainter on a QImage needs no platform plugin (and the icon has no text), so the
    // build needs no display and prints no platform warnings.
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    bool sizeOk = false;
    const int size = args.size() == 4 ? args.at(3).toInt(&sizeOk) : 0;
    if (!sizeOk || size <= 0) {
        std::fprintf(stderr, "usage: d365-render-icon <in.svg> <out.png|out.ico> <size>\n");
        return 2;
    }
    QSvgRenderer renderer(args.at(1));
    if (!renderer.isValid()) {
        std::fprintf(stderr, "d365-render-icon: cannot read %s\n", qPrintable(args.at(1)));
        return 1;
    }
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    renderer.render(&painter);
    painter.end();
    QImageWriter writer(args.at(2));
    if (!writer.write(image)) {
        std::fprintf(stderr, "d365-render-icon: cannot write %s: %s\n", qPrintable(args.at(2)),
                     qPrintable(writer.errorString()));
        return 1;
    }
    return 0;
}
