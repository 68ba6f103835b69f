"""Unreadable and oversized files are refused with a message (400) before they are loaded;
imports run as a job (inline in tests, an RQ queue with Redis)."""
from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import ImportRun, Offer
from directory.offers import import_jobs, importer
from tests.conftest import csrf_token


def xlsx(rows=(("Träger", "Angebot"), ("Verein", "Kurs"))) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(content: bytes, name: str, change) -> bytes:
    """The workbook with one of its parts replaced."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, change(data) if info.filename == name else data)
    return out.getvalue()


def declared_huge() -> bytes:
    return rewrite(xlsx(), "xl/worksheets/sheet1.xml",
                   lambda d: d.replace(b'<dimension ref="A1:B2" />', b'<dimension ref="A1:XFD1048576" />'))


def many_rows_undeclared(n=12000) -> bytes:
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>' for i in range(1, n))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>').encode()
    return rewrite(xlsx(), "xl/worksheets/sheet1.xml", lambda d: sheet)


def rewrite_strings(xml: bytes) -> bytes:
    """A workbook whose first cell points into a shared-string table with the given text."""
    content = xlsx()
    content = rewrite(content, "xl/worksheets/sheet1.xml",
                      lambda d: d.replace(b't="inlineStr"><is><t>Tr\xc3\xa4ger</t></is>', b't="s"><v>0</v>'))
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.'
                                    b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            dst.writestr(info, data)
        dst.writestr("xl/sharedStrings.xml", xml)
    return out.getvalue()


BROKEN = {
    "declared A1:XFD1048576": declared_huge,
    "12,000 rows without a dimension": many_rows_undeclared,
    "sheet XML cut off": lambda: rewrite(xlsx(), "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2]),
    "shared strings broken": lambda: rewrite_strings(b"<sst><si><t>kaputt"),
    "shared strings index out of range": lambda: rewrite_strings(
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>'),
    "not a zip": lambda: b"PK\x03\x04kaputt",
    "zip bomb": lambda: rewrite(xlsx(), "xl/worksheets/sheet1.xml", lambda d: d + b" " * 80_000_000),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_and_oversized_workbooks_are_refused(name):
    with pytest.raises(importer.ImportFileError):
        importer.read_table(BROKEN[name](), "liste.xlsx")


def test_the_declared_size_is_refused_before_loading():
    content = declared_huge()
    assert len(content) < 10_000
    with pytest.raises(importer.ImportFileError, match="zu groß"):
        importer.check_xlsx(content)


def test_the_upload_answers_400_with_a_message(client, login_as):
    login_as("moderator")
    token = csrf_token(client, "/moderation/import")
    for make in BROKEN.values():
        response = client.post("/moderation/import", data={"csrf_token": token, "file": (io.BytesIO(make()), "l.xlsx")},
                               content_type="multipart/form-data")
        assert response.status_code == 400
        assert "XLSX" in response.get_data(as_text=True) or "zu groß" in response.get_data(as_text=True) \
            or "Höchstens" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_a_good_workbook_imports():
    table = importer.read_table(xlsx(), "liste.xlsx")
    assert table.headers == ["Träger", "Angebot"] and table.rows == [(2, ["Verein", "Kurs"])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server")
    assert server, "redis-server is needed for the queue test (apt-get install redis-server)"
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL)
    try:
        from redis import Redis

        for _ in range(50):
            try:
                Redis(port=port).ping()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait()


def test_with_redis_the_import_is_queued_and_a_worker_runs_it(committed_app, redis_url):
    app = committed_app  # another process or worker connection must see the data
    app.config["REDIS_URL"] = redis_url
    run = ImportRun(filename="l.csv", content="Träger;Angebot\nVerein;Kurs\n".encode(), state="uploaded",
                    options={"mapping": ["organization", "title"], "headers": ["Träger", "Angebot"]})
    db.session.add(run)
    db.session.commit()
    import_jobs.start(run)
    assert db.session.get(ImportRun, run.id).state == "queued"  # nothing done in the request
    assert db.session.scalar(select(func.count(Offer.id))) == 0
    import_jobs.work(burst=True)
    db.session.expire_all()
    done = db.session.get(ImportRun, run.id)
    assert done.state == "done" and done.created == 1 and done.content is None
    assert db.session.scalar(select(Offer.title)) == "Kurs"
