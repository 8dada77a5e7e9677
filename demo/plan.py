"""A deterministic plan of one year of incoming documents for the Tỉnh ủy: what arrives when, from whom,
who handles it and how far it got by ``today``.

Pure: no database access. ``build_plan(seed, today, count)`` always returns the same plan, so a test can
compare a seeded database with a freshly computed plan. demo.documents replays the plan through the
incoming services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from demo import content
from demo.content import Issuer
from demo.holidays import WorkCalendar
from demo.orgdata import COMMUNES, MAIN_ORG, Directory, build_directory, delegation_specs
from demo.pdf import PdfDocument
from documents.doctypes import STATE as STATE_TYPES
from orgs.models import SECRECY_RANK, Secrecy

DEFAULT_SEED = 20260101

REGISTERED = "registered"
SUBMITTED = "submitted"
RETURNED = "returned"
UNIT_PENDING = "unit_pending"  # distributed to a unit whose head has not passed it on yet
IN_PROGRESS = "in_progress"
COMPLETED = "completed"

STATE_ABBR = {code: abbr for code, _name, abbr in STATE_TYPES}
UNIT_NAMES = {
    "TH": "Phòng Tổng hợp",
    "HCQT": "Phòng Hành chính – Quản trị",
    "TC": "Phòng Tài chính",
    "LT": "Phòng Lưu trữ",
}
# Party numbering runs through the committee term (HD 36): when the current terms began.
TERM_STARTS = {
    "central": [date(2021, 2, 2), date(2026, 1, 24)],
    "board": [date(2020, 10, 16), date(2025, 10, 16)],
    "commune": [date(2020, 8, 20), date(2025, 8, 20)],
}
DAY_START = 7 * 60 + 30
SEGMENTS = ((7 * 60 + 30, 11 * 60 + 30), (13 * 60 + 30, 17 * 60))
WORK_MINUTES = sum(b - a for a, b in SEGMENTS)


@dataclass(frozen=True)
class AssignSpec:
    role: str  # lead | support | info
    unit: str | None = None
    person: str | None = None
    deadline: date | None = None


@dataclass
class Step:
    action: str  # submit | return_to_clerk | assign | forward | note | acknowledge | complete
    actor: str
    at: datetime  # local, naive
    text: str = ""
    items: tuple[AssignSpec, ...] = ()
    people: tuple[str, ...] = ()
    deadline: date | None = None
    reply: str = ""


@dataclass(frozen=True)
class AnnexSpec:
    number_symbol: str
    subject: str
    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FileSpec:
    name: str
    main: PdfDocument | None = None
    annex: AnnexSpec | None = None


@dataclass
class DocPlan:
    index: int
    arrival: date
    registered_at: datetime
    issuer_key: str
    issuer_name: str
    number_symbol: str
    issued: date
    doc_type: str
    subject: str
    signer_name: str
    signer_position: str
    urgency: str
    secrecy: str
    channel: str
    description: str
    files: list[FileSpec]
    final: str
    steps: list[Step] = field(default_factory=list)
    deadline: date | None = None
    lead_unit: str | None = None
    lead_person: str | None = None
    specialist: str | None = None
    forwarded: bool = False


@dataclass
class Plan:
    today: date
    seed: int
    directory: Directory
    documents: list[DocPlan]


# --- working time -------------------------------------------------------------------------------------


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60))


def add_work_minutes(cal: WorkCalendar, moment: datetime, minutes: int) -> datetime:
    """``moment`` plus ``minutes`` of office hours (7:30–11:30, 13:30–17:00 on working days)."""
    day = moment.date()
    m = moment.hour * 60 + moment.minute
    while True:
        if not cal.is_working_day(day):
            day += timedelta(days=1)
            m = DAY_START
            continue
        for start, end in SEGMENTS:
            m = max(m, start)
            if m < end:
                if minutes <= end - m:
                    return _at(day, m + minutes)
                minutes -= end - m
                m = end
        day += timedelta(days=1)
        m = DAY_START


def _work_time(day: date, rng: random.Random, lo: int = 0, hi: int = WORK_MINUTES - 15) -> datetime:
    """A moment of office hours on ``day``, ``lo``..``hi`` working minutes after the start of the day."""
    offset = rng.randint(lo, hi)
    first = SEGMENTS[0][1] - SEGMENTS[0][0]
    if offset < first:
        return _at(day, SEGMENTS[0][0] + offset)
    return _at(day, SEGMENTS[1][0] + offset - first)


# --- numbers and symbols ------------------------------------------------------------------------------


class Numbers:
    """Plausible, unique numbers of the senders' documents (by body, type and numbering period)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str, date, int]] = set()

    def take(self, body: str, code: str, level: str, issued: date, rate: float) -> int:
        if level in TERM_STARTS:
            start = max(s for s in TERM_STARTS[level] if s <= issued)
        else:
            start = date(issued.year, 1, 1)
        base = int(rate * (issued - start).days)
        number = max(1, base + self.rng.randint(0, max(1, int(rate * 0.8))))
        while (body, code, start, number) in self.used:
            number += 1
        self.used.add((body, code, start, number))
        return number


def symbol(issuer: Issuer, code: str, number: int, rng: random.Random) -> str:
    abbr = issuer.org.abbreviation
    if issuer.profile == "party":
        return f"{number:02d}-{code}/{abbr}"
    if code == "CV":
        return f"{number:02d}/{abbr}-{rng.choice(issuer.cv_units)}"
    return f"{number:02d}/{STATE_ABBR.get(code, code)}-{abbr}"


# --- the plan -----------------------------------------------------------------------------------------


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _top_weighted(rng: random.Random, items: list[int], weights: list[float], k: int) -> list[int]:
    """``k`` items sampled without replacement with the given weights (Efraimidis–Spirakis)."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in zip(items, weights, strict=True)), reverse=True
    )
    return sorted(i for _, i in keyed[:k])


class Planner:
    def __init__(self, seed: int, today: date, count: int) -> None:
        self.seed = seed
        self.today = today
        self.count = count
        self.rng = random.Random(f"{seed}:documents:{today.isoformat()}:{count}")
        self.cal = WorkCalendar.around(today)
        self.directory = build_directory(seed)
        self.issuers = content.build_issuers(self.directory, seed)
        self.numbers = Numbers(self.rng)
        # the end of the last working day up to today: nothing in the plan happens later
        self.cutoff = _at(self.cal.previous_working_day(today), 16 * 60 + 55)
        people = self.directory.people
        self.names = {p.username: p.full_name for p in people}
        self.clearance = {p.username: p.clearance for p in people}
        self.heads = {
            u: next(p.username for p in people if p.unit == u and "unit_head" in p.roles) for u in UNIT_NAMES
        }
        self.specialists = {
            u: [p.username for p in people if p.unit == u and "specialist" in p.roles] for u in UNIT_NAMES
        }
        self.office_deputies = [p.username for p in people if p.position == "Phó Chánh Văn phòng"]
        self.vice_secretaries = [
            p.username for p in people if p.org == MAIN_ORG and p.position == "Phó Bí thư"
        ]
        trip = delegation_specs(self.directory, today)[0]
        self.trip = (trip.start, trip.end, trip.grantee)

    # -- arrival days and final states --------------------------------------------------------------

    def quotas(self) -> dict[str, int]:
        n = self.count
        if n < 30:  # tiny demos: one of each waiting state, when there is room
            one = 1 if n >= 8 else 0
            return {REGISTERED: one, SUBMITTED: one, RETURNED: one, UNIT_PENDING: one}
        return {
            REGISTERED: max(2, round(n * 0.008)),
            SUBMITTED: max(2, round(n * 0.01)),
            RETURNED: max(1, round(n * 0.003)),
            UNIT_PENDING: max(2, round(n * 0.01)),
        }

    def build(self) -> Plan:
        days = self.cal.working_days(self.today - timedelta(days=365), self.today)
        quotas = self.quotas()
        forced: list[tuple[date, str]] = []
        recent = {REGISTERED: (1, 1), SUBMITTED: (1, 2), RETURNED: (2, 3), UNIT_PENDING: (1, 4)}
        for state, (lo, hi) in recent.items():
            forced += [(days[-self.rng.randint(lo, hi)], state) for _ in range(quotas[state])]
        weights = [1.0 + (0.25 if d.weekday() == 0 else 0) + (0.2 if d.day >= 25 else 0) for d in days]
        normal = self.rng.choices(days, weights=weights, k=max(0, self.count - len(forced)))
        arrivals = [
            (d, state, self._registration_time(d, state)) for d, state in [(d, "") for d in normal] + forced
        ]
        arrivals.sort(key=lambda item: (item[0], item[2]))
        docs = [self._document(i, d, state, at) for i, (d, state, at) in enumerate(arrivals)]
        self._decide_states(docs)
        self._balance_queue(docs)
        for doc in docs:
            self._steps(doc)
        return Plan(self.today, self.seed, self.directory, docs)

    def _registration_time(self, day: date, state: str) -> datetime:
        if state == REGISTERED:
            return _work_time(day, self.rng, lo=WORK_MINUTES - 150, hi=WORK_MINUTES - 20)
        return _work_time(day, self.rng)

    # -- one document -------------------------------------------------------------------------------

    def _document(self, index: int, arrival: date, forced: str, registered_at: datetime) -> DocPlan:
        rng = self.rng
        issuer = rng.choices(self.issuers, weights=[i.weight for i in self.issuers])[0]
        code = rng.choices([t for t, _, _ in issuer.types], weights=[w for _, w, _ in issuer.types])[0]
        rate = next(r for t, _, r in issuer.types if t == code)
        lag = (
            rng.choice([0, 1, 1, 2, 2, 3, 4, 6]) if issuer.level != "commune" else rng.choice([0, 0, 1, 1, 2])
        )
        issued = self.cal.previous_working_day(arrival - timedelta(days=lag))
        number = self.numbers.take(issuer.org.key, code, issuer.level, issued, rate)
        number_symbol = symbol(issuer, code, number, rng)
        topic = content.topic_for(issuer, rng)
        subject = content.subject_for(issuer, code, issued, topic, rng)
        signer = rng.choice(issuer.signers)
        urgency = _weighted(rng, [("normal", 85), ("urgent", 10), ("very_urgent", 4), ("flash", 1)])
        if code == "CĐ":
            urgency = rng.choice(["very_urgent", "flash"])
        secrecy = Secrecy.NONE
        roll = rng.random()
        if issuer.secret_weight and roll < 0.045 * issuer.secret_weight:
            secrecy = Secrecy.SECRET if roll < 0.0015 * issuer.secret_weight else Secrecy.CONFIDENTIAL
        if issuer.level in ("central",):
            channel = _weighted(rng, [("electronic", 70), ("paper", 30)])
        elif issuer.level in ("board", "commune"):
            channel = _weighted(rng, [("electronic", 80), ("paper", 10), ("email", 10)])
        else:
            channel = _weighted(rng, [("electronic", 55), ("paper", 30), ("email", 15)])
        if secrecy != Secrecy.NONE:
            channel = "paper"
        long_text = rng.random() < 0.3
        with_annex = code in ("BC", "KH", "HD", "TB", "TTr") and rng.random() < 0.25
        hint = self.cal.add_working_days(issued, rng.randint(7, 20))
        paragraphs = content.body_for(issuer, code, subject, topic, issued, hint, rng, long=long_text)
        recipient = ""
        if code in ("CV", "TTr"):
            recipient = (
                "Ban Thường vụ Tỉnh ủy Sông Lam"
                if issuer.level != "central"
                else "Các tỉnh ủy, thành ủy trực thuộc Trung ương"
            )
        marks = {"urgent": "KHẨN", "very_urgent": "THƯỢNG KHẨN", "flash": "HỎA TỐC"}
        secrecy_marks = {Secrecy.CONFIDENTIAL: "MẬT", Secrecy.SECRET: "TỐI MẬT"}
        pdf = PdfDocument(
            profile=issuer.profile,
            parent_body=issuer.org.header_parent,
            issuing_body=issuer.org.header_body,
            number_symbol=number_symbol,
            place=issuer.org.place,
            issued=issued,
            type_name=content.TYPE_NAMES.get(code, ""),
            subject=content.summary_line(code, subject),
            recipient=recipient,
            paragraphs=paragraphs,
            authority=signer.authority,
            signer_position=signer.title,
            signer_name=signer.name,
            urgency_mark=marks.get(urgency, ""),
            secrecy_mark=secrecy_marks.get(secrecy, ""),
            copies_to=content.copies_to(issuer, rng),
        )
        slug = number_symbol.replace("/", "-")
        files = [FileSpec(f"{slug}.pdf", main=pdf)]
        if with_annex:
            files.append(
                FileSpec(f"{slug} - Phụ lục.pdf", annex=self._annex(issuer, code, number_symbol, subject))
            )
        description = ""
        if with_annex:
            description = "Kèm theo phụ lục"
        elif channel == "paper" and rng.random() < 0.1:
            description = "Bản sao y"
        return DocPlan(
            index=index,
            arrival=arrival,
            registered_at=registered_at,
            issuer_key=issuer.org.key,
            issuer_name=issuer.org.name,
            number_symbol=number_symbol,
            issued=issued,
            doc_type=code,
            subject=subject,
            signer_name=signer.name,
            signer_position=signer.position,
            urgency=urgency,
            secrecy=secrecy,
            channel=channel,
            description=description,
            files=files,
            final=forced,
        )

    def _annex(self, issuer: Issuer, code: str, number_symbol: str, subject: str) -> AnnexSpec:
        rng = self.rng
        if issuer.level == "central" or code in ("KH", "HD"):
            title = "Các nội dung, nhiệm vụ cụ thể và thời gian thực hiện"
            rows = [
                (rng.choice(content.PARTY_TOPICS).capitalize(), f"Quý {content.ROMAN[rng.randint(1, 4)]}")
                for _ in range(rng.randint(3, 6))
            ]
        else:
            title = "Tổng hợp kết quả thực hiện của các đơn vị"
            places = [f"Đảng ủy {word} {place}" for _key, word, place in COMMUNES]
            rows = [(p, f"Đạt {rng.randint(80, 120)}%") for p in rng.sample(places, rng.randint(3, 6))]
        return AnnexSpec(number_symbol, subject, title, tuple(rows))

    # -- states ------------------------------------------------------------------------------------

    def _assign_day(self, doc: DocPlan) -> date:
        if doc.urgency != "normal":
            return doc.arrival
        return doc.arrival if self.rng.random() < 0.6 else self.cal.add_working_days(doc.arrival, 1)

    def _decide_states(self, docs: list[DocPlan]) -> None:
        rng = self.rng
        for doc in docs:
            days = rng.randint(2, 5) if doc.urgency != "normal" else rng.randint(5, 15)
            assign_day = min(self._assign_day(doc), self.today)
            doc.deadline = self.cal.add_working_days(assign_day, days)
            if doc.final:
                continue
            if doc.deadline >= self.today:
                doc.final = IN_PROGRESS if rng.random() < 0.55 or doc.arrival >= self.today else COMPLETED
            else:
                doc.final = COMPLETED
        past = [
            d.index
            for d in docs
            if d.final == COMPLETED and d.deadline is not None and d.deadline < self.today
        ]
        weights = [1.0 / (1.0 + (self.today - (docs[i].deadline or self.today)).days / 45.0) for i in past]
        for i in _top_weighted(rng, past, weights, min(len(past), max(1, round(self.count * 0.065)))):
            docs[i].final = IN_PROGRESS

    # -- who handles it --------------------------------------------------------------------------------

    def _lead(self, doc: DocPlan) -> tuple[str | None, str | None]:
        """(unit, person) leading the document."""
        rng = self.rng
        if doc.secrecy == Secrecy.SECRET:
            return None, rng.choice([self.office_deputies[0], self._cleared("TH", Secrecy.SECRET)[0]])
        if doc.secrecy == Secrecy.CONFIDENTIAL:
            return ("TH", None) if rng.random() < 0.7 else (None, self.office_deputies[0])
        subject = doc.subject.lower()
        if doc.doc_type == "GM" or "hội nghị" in subject or "lớp " in subject:
            return _weighted(rng, [("HCQT", 6), ("TH", 4)]), None
        if (
            any(t in subject for t in content.FINANCE_TOPICS)
            or "kinh phí" in subject
            or "ngân sách" in subject
        ):
            return _weighted(rng, [("TC", 7), ("TH", 3)]), None
        if "lưu trữ" in subject:
            return _weighted(rng, [("LT", 7), ("TH", 3)]), None
        choice = _weighted(rng, [("TH", 78), ("HCQT", 6), ("TC", 5), ("LT", 3), ("person", 8)])
        if choice == "person":
            pool = [*self.office_deputies, *self.specialists["TH"][:1], *self.specialists["HCQT"][:1]]
            return None, rng.choice(pool)
        return choice, None

    def _cleared(self, unit: str, secrecy: str) -> list[str]:
        rank = SECRECY_RANK[Secrecy(secrecy)]
        return [u for u in self.specialists[unit] if SECRECY_RANK[Secrecy(self.clearance[u])] >= rank]

    def _balance_queue(self, docs: list[DocPlan]) -> None:
        """Choose lead units/people and specialists; give "chuyenvien" a dozen open items."""
        rng = self.rng
        for doc in docs:
            unit, person = self._lead(doc)
            if doc.final == UNIT_PENDING and person is not None and doc.secrecy != Secrecy.SECRET:
                unit, person = "TH", None
            if doc.final == UNIT_PENDING and doc.secrecy == Secrecy.NONE and rng.random() < 0.7:
                unit = "TH"
            doc.lead_unit, doc.lead_person = unit, person
            specialist = None
            if unit is not None:
                pool = self._cleared(unit, doc.secrecy)
                pool = [u for u in pool if u != "chuyenvien"] or pool
                specialist = rng.choice(pool)
                if (
                    unit == "TH"
                    and doc.final == COMPLETED
                    and doc.secrecy == Secrecy.NONE
                    and rng.random() < 0.15
                ):
                    specialist = "chuyenvien"
            doc.specialist = specialist
            doc.forwarded = unit is not None and doc.final in (IN_PROGRESS, COMPLETED) and rng.random() < 0.9
        open_docs = [d for d in docs if d.final == IN_PROGRESS and d.secrecy == Secrecy.NONE]
        target = 12 if self.count >= 600 else max(2, self.count // 20)
        th_open = [d for d in open_docs if d.lead_unit == "TH" and d.forwarded]
        if len(th_open) < target:
            extra = [d for d in open_docs if d not in th_open]
            for d in extra[: target - len(th_open)]:
                d.lead_unit, d.lead_person, d.forwarded = "TH", None, True
                d.specialist = rng.choice([u for u in self.specialists["TH"] if u != "chuyenvien"])
                th_open.append(d)
        for d in rng.sample(th_open, min(target, len(th_open))):
            d.specialist = "chuyenvien"

    # -- the processing steps ------------------------------------------------------------------------

    def _leader(self, day: date) -> str:
        start, end, grantee = self.trip
        if start <= day <= end:
            return grantee
        return "lanhdao" if self.rng.random() < 0.8 else self.rng.choice(self.office_deputies)

    def _after(self, moment: datetime, lo: int, hi: int) -> datetime:
        return add_work_minutes(self.cal, moment, self.rng.randint(lo, hi))

    def _steps(self, doc: DocPlan) -> None:
        rng = self.rng
        steps: list[Step] = []
        t = self._after(doc.registered_at, 3, 12 if doc.urgency != "normal" else 90)
        if doc.final == REGISTERED:
            doc.steps = []
            return
        steps.append(Step("submit", "vanthu", t))
        bounced = doc.final == RETURNED or rng.random() < 0.02
        if bounced:
            t = self._after(t, 20, 200)
            steps.append(
                Step(
                    "return_to_clerk",
                    self._leader(t.date()),
                    t,
                    text=rng.choice(
                        [
                            "Đề nghị văn thư bổ sung đầy đủ tệp phụ lục kèm theo văn bản.",
                            "Văn bản gửi nhầm nơi nhận, đề nghị văn thư kiểm tra, "
                            "trao đổi lại với cơ quan gửi.",
                            "Bản điện tử chưa đầy đủ trang, đề nghị văn thư bổ sung bản quét đầy đủ.",
                            "Đề nghị văn thư kiểm tra lại độ khẩn của văn bản trước khi trình.",
                        ]
                    ),
                )
            )
            if doc.final != RETURNED:
                t = self._after(t, 30, 300)
                steps.append(Step("submit", "vanthu", t, text="Đã bổ sung, trình lại lãnh đạo Văn phòng."))
        if doc.final in (SUBMITTED, RETURNED):
            doc.steps = self._clamp(doc, steps)
            return
        urgent = doc.urgency != "normal"
        t = self._after(t, 5 if urgent else 30, 45 if urgent else WORK_MINUTES)
        assign_day = t.date()
        deadline = doc.deadline or self.cal.add_working_days(assign_day, 10)
        if deadline < assign_day:
            deadline = self.cal.add_working_days(assign_day, 5)
        doc.deadline = deadline
        unit: str | None = doc.lead_unit
        person: str | None = doc.lead_person
        items = [AssignSpec("lead", unit=unit, person=person, deadline=deadline)]
        support = None
        if doc.secrecy == Secrecy.NONE and rng.random() < 0.2:
            support = rng.choice([u for u in UNIT_NAMES if u != unit])
            items.append(AssignSpec("support", unit=support, deadline=deadline))
        info = None
        if doc.secrecy == Secrecy.NONE and rng.random() < 0.1:
            info = rng.choice(["bithu", *self.vice_secretaries])
            items.append(AssignSpec("info", person=info))
        leader = self._leader(assign_day)
        steps.append(
            Step(
                "assign",
                leader,
                t,
                text=self._instruction(doc, unit, person, support, info, deadline),
                items=tuple(items),
            )
        )
        handler = person
        if unit is not None and doc.final != UNIT_PENDING and doc.forwarded and doc.specialist:
            t = self._after(t, 10, 360)
            handler = doc.specialist
            forward_deadline = deadline
            if rng.random() < 0.5:
                earlier = self.cal.add_working_days(t.date(), max(1, (deadline - t.date()).days // 2))
                forward_deadline = min(deadline, max(earlier, t.date()))
            steps.append(
                Step(
                    "forward",
                    self.heads[unit],
                    t,
                    people=(handler,),
                    deadline=forward_deadline,
                    text=f"Giao đồng chí {self.names[handler]} nghiên cứu, tham mưu xử lý, "
                    f"trình lãnh đạo phòng trước ngày {forward_deadline:%d/%m/%Y}.",
                )
            )
        elif unit is not None:
            handler = self.heads[unit]  # the head keeps it (handles it personally or has not passed it on)
        if doc.final == UNIT_PENDING:
            doc.steps = self._clamp(doc, steps)
            return
        assert handler is not None
        done_at = self._completion_time(doc, t) if doc.final == COMPLETED else None
        if done_at is not None and done_at <= t:  # handed over too late to be finished by now
            doc.final, done_at = IN_PROGRESS, None
        horizon = done_at or self.cutoff
        if rng.random() < 0.3:
            note_at = self._between(t, horizon)
            if note_at is not None:
                steps.append(
                    Step(
                        "note",
                        handler,
                        note_at,
                        text=rng.choice(
                            [
                                f"Đã làm việc với {doc.issuer_name} để thống nhất số liệu; "
                                "đang hoàn thiện dự thảo.",
                                "Đã dự thảo văn bản trả lời, trình lãnh đạo phòng cho ý kiến.",
                                "Đang tổng hợp ý kiến của các đơn vị phối hợp.",
                                "Đã báo cáo xin ý kiến lãnh đạo Văn phòng về hướng xử lý.",
                            ]
                        ),
                    )
                )
        if doc.final == IN_PROGRESS and deadline < self.today and rng.random() < 0.4:
            note_at = self._between(_at(deadline, 15 * 60), self.cutoff)
            if note_at is not None:
                steps.append(
                    Step(
                        "note",
                        leader,
                        note_at,
                        text=(
                            "Văn bản đã quá hạn xử lý, đề nghị "
                            f"{UNIT_NAMES.get(unit or '', 'đồng chí chủ trì')} "
                            f"khẩn trương hoàn thành, báo cáo kết quả."
                        ),
                    )
                )
        if done_at is not None:
            if support and rng.random() < 0.5:
                ack_at = self._between(t, done_at)
                if ack_at is not None:
                    steps.append(
                        Step(
                            "acknowledge",
                            self.heads[support],
                            ack_at,
                            text="Đã phối hợp cung cấp thông tin theo yêu cầu.",
                        )
                    )
            if info and rng.random() < 0.6:
                ack_at = self._between(t, done_at)
                if ack_at is not None:
                    steps.append(Step("acknowledge", info, ack_at, text="Đã xem."))
            note, reply = self._completion(doc, done_at.date())
            steps.append(Step("complete", handler, done_at, text=note, reply=reply))
        steps.sort(key=lambda s: s.at)
        doc.steps = self._clamp(doc, steps)

    def _between(self, start: datetime, end: datetime) -> datetime | None:
        if end <= start + timedelta(minutes=10):
            return None
        span = int((end - start).total_seconds() // 60)
        candidate = add_work_minutes(
            self.cal, start, self.rng.randint(5, max(6, min(span, 3 * WORK_MINUTES)))
        )
        return candidate if candidate < end else None

    def _completion_time(self, doc: DocPlan, handed: datetime) -> datetime:
        rng = self.rng
        deadline = doc.deadline or handed.date()
        last = min(deadline, self.today)
        if deadline < self.today - timedelta(days=5) and rng.random() < 0.12:  # done, but late
            last = min(self.cal.add_working_days(deadline, rng.randint(1, 8)), self.today)
        days = self.cal.working_days(handed.date(), last) or [handed.date()]
        day = rng.choice(days)
        moment = _work_time(day, rng)
        if moment <= handed:
            moment = self._after(handed, 15, 240)
        return min(moment, self.cutoff)

    def _completion(self, doc: DocPlan, day: date) -> tuple[str, str]:
        rng = self.rng
        if doc.doc_type in ("CV", "TTr") and rng.random() < 0.7:
            body = rng.choice(["TU", "VPTU"])
            number = self.numbers.take(body, "CV", "board", day, 4.0 if body == "TU" else 9.0)
            reply = f"{number:02d}-CV/{body}"
            return f"Đã tham mưu văn bản trả lời số {reply} ngày {day:%d/%m/%Y}.", reply
        if doc.doc_type == "BC" and rng.random() < 0.3:
            number = self.numbers.take("TU", "BC", "board", day, 1.2)
            reply = f"{number:02d}-BC/TU"
            return f"Đã tổng hợp vào Báo cáo số {reply} của Tỉnh ủy.", reply
        if doc.doc_type == "GM":
            return "Đã báo cáo lãnh đạo, bố trí thành phần dự hội nghị theo giấy mời.", ""
        return rng.choice(
            [
                "Đã nghiên cứu, tham mưu triển khai thực hiện; lưu hồ sơ theo dõi.",
                "Đã báo cáo lãnh đạo Văn phòng; văn bản để biết, lưu hồ sơ.",
                "Đã tổng hợp, theo dõi việc thực hiện; lưu hồ sơ công việc.",
            ]
        ), ""

    def _instruction(
        self,
        doc: DocPlan,
        unit: str | None,
        person: str | None,
        support: str | None,
        info: str | None,
        deadline: date,
    ) -> str:
        verb = {
            "BC": "tổng hợp, báo cáo Thường trực Tỉnh ủy",
            "CV": "trả lời",
            "TTr": "thẩm định, báo cáo Thường trực Tỉnh ủy cho ý kiến",
            "GM": "chuẩn bị nội dung, bố trí thành phần dự",
            "KH": "triển khai thực hiện",
            "HD": "triển khai thực hiện",
        }.get(doc.doc_type, "triển khai thực hiện và theo dõi kết quả")
        if unit is not None:
            text = f"Giao {UNIT_NAMES[unit]} chủ trì"
            if support:
                text += f", phối hợp với {UNIT_NAMES[support]}"
            text += f", tham mưu {verb} trước ngày {deadline:%d/%m/%Y}."
        else:
            assert person is not None
            text = (
                f"Giao đồng chí {self.names[person]} nghiên cứu, tham mưu {verb} "
                f"trước ngày {deadline:%d/%m/%Y}."
            )
        if info:
            text += f" Báo cáo đồng chí {self.names[info]} để biết."
        return text

    def _clamp(self, doc: DocPlan, steps: list[Step]) -> list[Step]:
        """Keep every step after the registration, in order, and no later than the cut-off of ``today``."""
        previous = doc.registered_at
        for index, step in enumerate(steps):
            latest = self.cutoff - timedelta(minutes=2 * (len(steps) - index))
            moment = min(step.at, latest)
            if moment <= previous:
                moment = previous + timedelta(minutes=1)
            step.at = moment
            previous = moment
        return steps


def build_plan(seed: int = DEFAULT_SEED, today: date | None = None, count: int = 3000) -> Plan:
    """The whole demo year, deterministically from (seed, today, count)."""
    if today is None:
        raise ValueError("today is required")
    if count < 0:
        raise ValueError("count must not be negative")
    return Planner(seed, today, count).build()
