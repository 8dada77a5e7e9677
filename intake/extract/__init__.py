"""Metadata of an incoming document read from its OCR text: pure functions, no database, no I/O.

``extract(Sources(...))`` takes the text of the first and last pages (and, when the pipeline has them, the
separately recognised left and right header zones of page 1, where the two header columns are read
without being merged) and returns one ``Field`` per item with a confidence in [0, 1]. Party (HD 36) and
State (NĐ 30) layouts are both handled: "Số 12-TB/TU" vs "Số: 12/UBND-VX", "T/M" vs "TM.", etc.
"""

from intake.extract.core import FIELDS, Extraction, Field, Sources, extract

__all__ = ["FIELDS", "Extraction", "Field", "Sources", "extract"]
