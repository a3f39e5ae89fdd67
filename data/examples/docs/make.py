"""Write this folder's PDF and DOCX (made-up product text) so they can be rebuilt byte for byte.

    python data/examples/docs/make.py

Needs fpdf2 (the `dev` extra) and python-docx. The other files here are written by hand.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
FIXED = datetime.datetime(2026, 1, 15, 9, 0, tzinfo=datetime.timezone.utc)

DATASHEET_TITLE = "Heliotrope H2 datasheet"
# (heading, level, paragraph)
DATASHEET = [
    ("Electrical", 1, "The H2 runs on 12 V DC from its adapter and draws at most 1.8 W. A backup "
     "battery (CR2032) keeps the clock and the schedule for 72 hours during a power cut."),
    ("Radio", 1, "Wi-Fi 802.11 b/g/n at 2.4 GHz, Thread 1.3 and Bluetooth Low Energy 5.2 for "
     "set-up. The transmit power stays below 20 dBm."),
    ("Range", 2, "Indoors the H2 reaches a router up to 25 m away through two walls; the HB-7 "
     "bridge must be within 10 m."),
    ("Operating conditions", 1, "Operating range: 0 to 40 degrees Celsius at 10 to 90 percent "
     "humidity, indoors only. The temperature sensor is accurate to 0.3 degrees Celsius."),
]  # fmt: skip

INSTALLATION = {
    "title": "Installing the Heliotrope H2",
    "steps": [
        "Turn off the heating at the fuse box.",
        "Fix the wall plate at 1.5 m above the floor, away from radiators and windows.",
        "Connect the two OpenTherm wires to terminals OT1 and OT2.",
        "Clip the thermostat onto the plate and hold the dial for 5 seconds to pair it.",
    ],
    "terminals": [("Terminal", "Wire", "Colour"), ("OT1", "OpenTherm +", "brown"),
                  ("OT2", "OpenTherm -", "blue"), ("12V", "power", "red")],
}  # fmt: skip


def make_pdf(path: Path) -> None:
    """The datasheet: a title, headings that are also PDF bookmarks, and body text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(DATASHEET_TITLE)
    pdf.set_creation_date(FIXED)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=18)
    pdf.start_section(DATASHEET_TITLE, level=0)
    pdf.cell(text=DATASHEET_TITLE, new_x="LMARGIN", new_y="NEXT")
    for heading, level, paragraph in DATASHEET:
        pdf.ln(4)
        pdf.set_font("helvetica", style="B", size=16 - 2 * level)
        pdf.start_section(heading, level=level)
        pdf.cell(text=heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    path.write_bytes(bytes(pdf.output()))


def make_docx(path: Path) -> None:
    """The installation guide: title and core properties, headings, a numbered list, a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = INSTALLATION["title"]
    document.core_properties.created = document.core_properties.modified = FIXED
    document.add_heading(INSTALLATION["title"], level=0)
    document.add_heading("Steps", level=1)
    for step in INSTALLATION["steps"]:
        document.add_paragraph(step, style="List Number")
    document.add_heading("Terminals", level=1)
    header, *rows = INSTALLATION["terminals"]
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(fixed_zip_times(buffer.getvalue()))


def fixed_zip_times(data: bytes) -> bytes:
    """The zip with every member's timestamp set to FIXED, so a rebuild gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return output.getvalue()


if __name__ == "__main__":
    make_pdf(HERE / "datasheet.pdf")
    make_docx(HERE / "installation.docx")
    print(f"wrote {HERE / 'datasheet.pdf'} and {HERE / 'installation.docx'}")
