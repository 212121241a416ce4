#!/usr/bin/env python3
"""Writes tests/Samples/document.pdf and the hostile documents of tests/Corpus/documents/.

Run once from the repository root (python3 tests/Corpus/documents/make.py); the files are committed.
Standard library only: each PDF is written object by object with an exact cross-reference (a table,
or for PDF 1.5 a cross-reference stream with an object stream), so that a reader finds every object
where the file says it is. The output is deterministic.
"""
import io
import os
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CORPUS = os.path.join(ROOT, "tests", "Corpus", "documents")
SAMPLES = os.path.join(ROOT, "tests", "Samples")

PAGE_TEXT = b"BT /F1 18 Tf 72 720 Td (Bilan annuel du CPOM - exemple de document) Tj ET\nBT /F1 12 Tf 72 690 Td (Aucune donnee personnelle.) Tj ET\n"


def pdf(objects, trailer_extra=b""):
    """A PDF 1.4 with a classic cross-reference table; objects[i] is object i+1's body."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref))
    return out.getvalue()


def stream(data, extra=b""):
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def base(catalog_extra=b"", page_extra=b"", more=()):
    return [
        b"<< /Type /Catalog /Pages 2 0 R" + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R" + page_extra + b" >>",
        stream(PAGE_TEXT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more,
    ]


def pdf_with_object_stream(hidden):
    """A PDF 1.5 whose catalog (with its OpenAction) and the action itself live in a compressed object stream."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    # Objects 1 (catalog) and 6 (the hidden action) inside object stream 7; 2-5 are plain objects.
    in_stream = {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>", 6: hidden}
    plain = {2: base()[1], 3: base()[2], 4: base()[3], 5: base()[4]}
    offsets = {}
    for number, body in plain.items():
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    header, bodies = b"", b""
    for number, body in in_stream.items():
        header += b"%d %d " % (number, len(bodies))
        bodies += body + b"\n"
    data = zlib.compress(header + bodies)
    offsets[7] = out.tell()
    out.write(b"7 0 obj\n" + stream(data, b" /Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(in_stream), len(header))) + b"\nendobj\n")
    # The cross-reference stream (object 8): type 1 = offset, type 2 = in object stream 7 at index.
    xref_offset = out.tell()
    rows = b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"
    index = {n: i for i, n in enumerate(in_stream)}
    for number in range(1, 9):
        if number in index:
            rows += b"\x02" + (7).to_bytes(4, "big") + index[number].to_bytes(2, "big")
        elif number == 8:
            rows += b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00"
        else:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
    packed = zlib.compress(rows)
    out.write(b"8 0 obj\n" + stream(packed, b" /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode") + b"\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    return out.getvalue()


def odf(mimetype, files, compress_mimetype=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("mimetype", date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress_mimetype else zipfile.ZIP_STORED
        z.writestr(info, mimetype)
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buffer.getvalue()


CONTENT = b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text><text:p>Fiche thematique</text:p></office:text></office:body></office:document-content>'


def manifest(mimetype, extra=b""):
    return (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            b'<manifest:file-entry manifest:full-path="/" manifest:media-type="' + mimetype.encode() + b'"/>'
            b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>' + extra + b'</manifest:manifest>')


def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    sample = pdf(base())
    write(SAMPLES, "document.pdf", sample)
    write(CORPUS, "pdf-javascript.pdf", pdf(base(b" /OpenAction 6 0 R", more=[b"<< /Type /Action /S /JavaScript /JS (app.alert\\('x'\\);) >>"])))
    write(CORPUS, "pdf-launch.pdf", pdf(base(b" /OpenAction 6 0 R", more=[b"<< /Type /Action /S /Launch /F (calc.exe) >>"])))
    write(CORPUS, "pdf-attachment.pdf", pdf(base(b" /Names << /EmbeddedFiles 6 0 R >>", more=[
        b"<< /Names [(liste.csv) 7 0 R] >>",
        b"<< /Type /Filespec /F (liste.csv) /EF << /F 8 0 R >> >>",
        stream(b"siret;nom\n10433218419605;X\n", b" /Type /EmbeddedFile"),
    ])))
    # The names hex-escaped (#4A = J): only a parser that decodes names sees them.
    write(CORPUS, "pdf-javascript-hex-name.pdf", pdf(base(b" /OpenAction 6 0 R", more=[b"<< /Type /Action /S /#4Aava#53cript /#4AS (app.alert\\(1\\);) >>"])))
    hidden = pdf_with_object_stream(b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\);) >>")
    assert b"JavaScript" not in hidden and b"/JS" not in hidden
    write(CORPUS, "pdf-javascript-in-object-stream.pdf", hidden)
    write(CORPUS, "pdf-object-stream-clean.pdf", pdf_with_object_stream(b"<< /Type /Action /S /GoTo /D [3 0 R /Fit] >>"))
    write(CORPUS, "csv-renamed.pdf", b"siret;raison_sociale\r\n10433218419605;Garage du Port\r\n")
    write(CORPUS, "pdf-truncated.pdf", sample[: len(sample) // 2])
    write(CORPUS, "not-odf.zip", odf("text/plain", {"notes.txt": b"bonjour"}, compress_mimetype=True))
    odt = "application/vnd.oasis.opendocument.text"
    write(CORPUS, "odt-macro.odt", odf(odt, {
        "content.xml": CONTENT, "META-INF/manifest.xml": manifest(odt),
        "Basic/Standard/Module1.xml": b'<?xml version="1.0"?><script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1">Sub Main\nShell("calc")\nEnd Sub</script:module>',
    }))
    write(CORPUS, "odt-event-script.odt", odf(odt, {
        "content.xml": CONTENT.replace(b"<office:body>", b'<office:scripts><office:event-listeners><script:event-listener xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic&amp;location=application"/></office:event-listeners></office:scripts><office:body>'),
        "META-INF/manifest.xml": manifest(odt),
    }))
    write(CORPUS, "odt-embedded-object.odt", odf(odt, {
        "content.xml": CONTENT, "META-INF/manifest.xml": manifest(odt),
        "Object 1/content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
    }))
    ods = "application/vnd.oasis.opendocument.spreadsheet"
    write(CORPUS, "spreadsheet.ods", odf(ods, {"content.xml": CONTENT, "META-INF/manifest.xml": manifest(ods)}))
    write(CORPUS, "document-clean.odt", odf(odt, {"content.xml": CONTENT, "META-INF/manifest.xml": manifest(odt)}))


if __name__ == "__main__":
    main()
