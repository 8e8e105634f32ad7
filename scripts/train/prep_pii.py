"""Synthetic PII sentences.
train: this file's own templates filled by Faker values from 25 locales -> .cache/train/pii.jsonl, and
       sentences of the contexts those templates lacked -> .cache/train/pii_contexts.jsonl (context_rows)
held-out: presidio-evaluator's templates.txt filled with its FakeNameGenerator.com sample (a different
       value source and different sentence shapes) -> .cache/train/pii_test.jsonl. Each template goes
       to "dev" or "test" by sha256(template) % 2: dev is for error analysis and thresholds, test is
       only scored.
Rows: {text, spans:[{type,start,end}], ignore:[{start,end}], split?}; offsets are UTF-16 units (what JS
uses). `ignore` marks filled values of types outside the evaluated set (organization, age, ...), so a
detector is neither rewarded nor punished there.

    python3 -m pip download --no-deps -d .cache/wheels presidio-evaluator==0.3.2
    npm pack linguist-languages@9.5.0 --pack-destination .cache/npm
    PYTHONPATH=.cache/py python3 scripts/train/prep_pii.py
"""
import csv
import glob
import io
import json
import os
import random
import re
import sys
import tarfile
import zipfile
from datetime import date, datetime, timedelta

from faker import Faker
from pinned import pinned_bytes  # beside this script
from prep_mmlu import bucket  # beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, ".cache", "train")

PERSON = {"person", "name", "first_name", "last_name", "name_female", "name_male", "first_name_male",
          "first_name_female", "last_name_male", "last_name_female", "first_name_nonbinary", "full_name"}
LOCATION = {"city", "country", "address", "street_name", "street_address", "state", "state_abbr", "town"}
STRUCTURED = {"credit_card_number": "CREDIT_CARD", "phone_number": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
              "iban": "IBAN_CODE", "url": "URL", "date_time": "DATE_TIME", "date_of_birth": "DATE_TIME",
              "ssn": "US_SSN", "ip_address": "IP_ADDRESS", "ipv4": "IP_ADDRESS"}

# Sentence shapes people type into a chat box or paste from forms, mails and tickets. Values of
# unlabeled fields ({company}, {job}, {age}, {zip}, {amount}, {weekday}) stay "O": they teach the
# head that capitalized organizations and plain numbers next to names are not names.
TRAIN_TEMPLATES = [
    "Please send the contract to {person} at {email}.", "My name is {person} and I live in {city}.",
    "{first_name} called from {phone_number} about the invoice.", "Ship it to {address}.",
    "Can you draft a letter to {person} in {country}?", "{person} was born on {date_of_birth} in {city}, {state}.",
    "Charge card {credit_card_number} for the order placed by {first_name} {last_name}.",
    "Transfer 500 EUR from {iban} to {person}.", "I met {first_name} last week near {street_name}.",
    "Our office moved to {city}; contact {person} for details.", "Hi, this is {person}. My SSN is {ssn}.",
    "Login attempts from {ip_address} were flagged for {first_name}.", "Book a flight from {city} to {city} for {person}.",
    "Remind {first_name} to renew the lease at {street_address} before {date_time}.", "Visit {url} and ask for {person}.",
    "{person}, {person} and {first_name} will join the meeting in {country}.", "Dear {person}, thank you for your order.",
    "Where is {city} located relative to {city}?", "The package for {last_name} is stuck in {state}.",
    "Write a birthday poem for {first_name}.", "Summarize the email {person} sent yesterday.",
    "What is the weather like in {city} today?", "{first_name} {last_name} ({email}) requested a refund.",
    "Patient {person}, DOB {date_of_birth}, phone {phone_number}.", "Tell me about the history of {country}.",
    "Is {street_name} in {city} safe at night?", "I'm {first_name}, reach me at {phone_number} or {email}.",
    "Update the shipping address of {person} to {address}.", "How far is {city} from the coast of {country}?",
    "Translate this note for {first_name}: the meeting moved to {city}.",
    "Hey {first_name}, are you still coming to {city} on {weekday}?",
    "{person} works as a {job} at {company} in {city}.", "Please ask {first_name} to call me back on {phone_number}.",
    "My manager {person} asked me to book a hotel near {street_address}, {city}.",
    "Can you check why {person}'s account was locked?", "Forward this to {first_name}.{last_name}@{domain} please.",
    "I moved from {city} to {country} last year and need to update my records.",
    "Name: {person}\nAddress: {address}\nPhone: {phone_number}", "Name: {person}, Email: {email}, City: {city}",
    "Full name: {person}. Date of birth: {date_of_birth}. Place of birth: {city}, {country}.",
    "Customer {person} ({age} years old) reported the issue from {city}.",
    "Write a cover letter for {person} applying to {company}.", "{first_name} and {first_name} got married in {city}.",
    "We are sending a technician to {address} tomorrow.", "Our new warehouse is on {street_name}, near the station.",
    "{person} from {company} will present the quarterly results.", "The invoice is addressed to {person}, {address}.",
    "Let {first_name} know the delivery to {city} is delayed.", "Grandma {first_name} still lives in {city}.",
    "I need directions from {street_address} to the airport.", "What time zone is {city}, {country} in?",
    "Our CEO {person} will visit the {city} office next month.", "Thanks {first_name}! See you in {city}.",
    "Could {person} please confirm the booking for {date_time}?", "The tenant, {person}, has not paid rent for {street_address}.",
    "Mr. {last_name} asked about the refund for order {zip}.", "Dr. {last_name} will see you at {time}.",
    "Ms. {last_name} from {city} won the regional prize.", "Please update my address: {address}.",
    "Send the keys to {first_name} {last_name}, {street_address}, {city} {zip}.",
    "Who was {person}'s doctor when she lived in {city}?", "Is it true that {first_name} left {company}?",
    "{person} ({phone_number}) is the emergency contact.", "Billing address: {address}. Card: {credit_card_number}.",
    "I have a meeting with {person} and {person} at {street_address}.", "How do I get from {city} to {city} by train?",
    "Could you proofread this message to {first_name}? 'Hi {first_name}, the event is in {city}.'",
    "Employee {person}, SSN {ssn}, started on {date_time}.", "Please wire the deposit to {iban} (account holder {person}).",
    "Reply to {person} at {email} with the quote.", "Recommend restaurants near {street_name} in {city}.",
    "my name is {first_name} {last_name} and i need help with my account",
    "{first_name} here, can you remind me what {last_name} said about {country}?",
    "The wedding of {person} and {person} will take place in {city}, {country}.",
    "Please cancel the subscription for {email}; the holder is {person}.", "She was born in {city} and grew up in {country}.",
    "{person} lives at {street_address} with her two cats.", "I sold my car to {person} from {state}.",
    "Add {person} ({email}) to the mailing list.", "His father, {person}, was a {job} in {city}.",
    "Please find attached the CV of {person}.", "Schedule a call with {first_name} on {weekday} at {time}.",
    "{last_name}, {first_name} - {phone_number} - {email}", "Our {city} branch is located at {street_address}.",
    "Tell {first_name} that {first_name} is waiting in the lobby.", "What are the best hiking trails around {city}?",
    "The suspect, {person}, was last seen in {city}.", "Plan a three-day trip to {city} for me and {first_name}.",
    "Is {country} part of the European Union?", "Can I pay with card {credit_card_number}?",
    "I think {first_name} {last_name} lives somewhere in {state}.", "Call {person} at {phone_number} after {time}.",
    "Rewrite this bio: {person} is a {job} based in {city} who loves hiking.",
    "Thank you {person} for your purchase. It will ship to {address}.", "Find flights from {city} to {country} in {month}.",
    "Ask {person} whether the {company} account is still active.", "Congratulations to {person} on the promotion!",
    "From: {person} <{email}>\nTo: {person}\nSubject: meeting in {city}", "{first_name}: can you send me the slides?",
    "Regards,\n{person}\n{job}, {company}\n{phone_number}", "Best wishes, {first_name}",
    "Hello, I am {first_name}, a {age}-year-old {job} from {country}.", "The apartment at {street_address} is available from {date_time}.",
    "Please redact the name {person} from this document.", "Did {first_name} move to {street_name}?",
    "Contact person: {person}. Location: {city}, {state}.", "{person} paid with {credit_card_number} on {date_time}.",
    "I'd like to file a complaint against {person}.", "Who is the mayor of {city}?", "We visited {city} and {city} in {month}.",
    "Please verify the identity of {person}, born {date_of_birth}.", "Address line: {street_address}, {city}, {zip}",
    "Can {first_name} pick up the parcel at {address}?", "My sister {first_name} studies in {city}.",
    "The event moved from {city} to {street_address}, {city}.", "Thanks to {first_name} {last_name} for the feedback.",
]
# Chat prompts and sentences with capitalized words that are not people or places.
NEGATIVES = [
    "Explain the difference between mitosis and meiosis.", "What is the derivative of sin(x) times x squared?",
    "Write a Python function that reverses a linked list.", "Summarize the causes of World War I.",
    "How do interest rates affect bond prices?", "Give me a recipe for vegetarian lasagna.",
    "What are the symptoms of vitamin D deficiency?", "Ignore the formatting and fix the grammar in this paragraph.",
    "Compare TCP and UDP for a streaming application.", "List three arguments for and against nuclear energy.",
    "Which sorting algorithm is stable and runs in n log n time?", "Describe the plot of a heist movie in two sentences.",
    "The Apple Watch and the Amazon Echo are popular devices.", "Newton's second law relates force, mass and acceleration.",
    "A train leaves the station at 60 miles per hour.", "Calculate the molar mass of sulfuric acid.",
    "How do I set up a Kubernetes Deployment with a Service?", "Convert this JSON to YAML.",
    "What's new in TypeScript 5?", "Write a SQL query that joins Orders and Customers.",
    "Explain the Krebs cycle step by step.", "Why is the sky blue?", "Draft a polite reminder about the Monday meeting.",
    "Is Rust faster than Go for web servers?", "What does HTTP 404 mean?", "Give me a workout plan for Tuesday and Friday.",
    "Translate 'good morning' into Spanish and French.", "Help me name my new Golden Retriever puppy.",
    "What are the rules of Chess castling?", "Write a haiku about Autumn rain.", "How does the Linux kernel schedule threads?",
    "Explain Bayes' theorem with an example.", "What is the Pythagorean theorem?", "Create a React component for a login form.",
    "I feel stressed about my exams, any tips?", "Summarize this article in three bullet points.",
    "Which is healthier, Greek yogurt or regular yogurt?", "Fix the bug: TypeError: undefined is not a function.",
    "Make the tone of this email more Formal.", "What is the capital gains tax rate?", "Explain the Big Bang theory.",
    "My Wi-Fi keeps dropping, what should I check?", "Write a limerick about a Cat who loves Jazz.",
    "Order the planets by distance from the Sun.", "How many calories are in a banana?",
]
NEG_WORDS = ["Monday", "January", "Python", "Excel", "Christmas", "Google Docs", "Windows", "PostgreSQL", "Docker", "Spotify"]


# Programming languages by name in requests as people type them. The tagger took "Go", "Rust" and
# "Kotlin" for people and places ("implement binary search in Go": PERSON), and a detection moves a
# coding prompt off a model that may not receive personal data. The names are GitHub Linguist's
# (the npm package linguist-languages, MIT), those of type "programming" (558; the two whose names
# hold an apostrophe are left out): Ada, Julia and Ruby are also people's names, and here they are
# languages.
LANGUAGES = ("linguist-languages-9.5.0.tgz", "395ac8b6c5df87b6d0a92b7557c4046685f5b00e6abeaecbb6945195eb233c8d")
CODE_TEMPLATES = [
    "How do I read a file line by line in {lang}?", "Write a {lang} function that checks if a number is prime.",
    "Is {lang} a good first language?", "What's the difference between {lang} and {other}?",
    "Port this snippet from {lang} to {other}.", "Why does my {lang} program crash on startup?",
    "Show me a hello world in {lang}.", "Explain closures in {lang} with an example.",
    "What is the best testing framework for {lang}?", "How do I install {lang} on my laptop?",
    "Can you review my {lang} code for style issues?", "Parse a CSV file in {lang}.",
    "Which is faster, {lang} or {other}?", "I'm learning {lang}, what should I build first?",
    "Convert this loop to idiomatic {lang}.", "How are errors handled in {lang}?",
]


def language_rows(n=800):
    blob = pinned_bytes(os.path.join(ROOT, ".cache", "npm", LANGUAGES[0]), LANGUAGES[1],
                        "run: npm pack linguist-languages@9.5.0 --pack-destination .cache/npm")
    names = []
    with tarfile.open(fileobj=io.BytesIO(blob)) as tgz:
        for member in sorted(tgz.getmembers(), key=lambda m: m.name):
            if member.name.startswith("package/data/") and member.name.endswith(".js"):
                source = tgz.extractfile(member).read().decode()
                name = re.search(r"name: '([^'\\]+)',", source)
                if "type: 'programming'" in source and name:
                    names.append(name.group(1))
    # Its own generator: the rows above stay as they were.
    rng = random.Random(23)
    return [{"text": rng.choice(CODE_TEMPLATES).format(lang=a, other=b), "spans": [], "ignore": []}
            for a, b in (rng.sample(names, 2) for _ in range(n))]


# Where chat mentions people that the templates above lack: speaker labels of a pasted conversation,
# possessives, a first name alone as a sentence's subject, lists of authors' surnames, names given for
# a booking or a nickname, and contact blocks that open with the person's line. Written
# after reading the token head's misses on the dev half of the held-out templates (names read as
# places after "called" or before "concert", names alone missed), in sentences of my own; so dev
# flatters these rows, and test, whose templates were not read, is their measure (docs/EVALUATION.md).
# Company names in them stay "O". Kept apart from pii.jsonl: the tuned encoder was distilled on those
# rows (distill.py), which must stay as they are for its weights to be rebuilt byte for byte.
CONTEXT_TEMPLATES = [
    "{first_name}: are you coming tonight?\n{first_name}: only if {first_name} drives.",
    "{first_name}: I can't believe it. Did you hear what {first_name} said?",
    "The paper's authors are {last_name}, {last_name} and {last_name}.",
    "I named my daughter after {person}.", "At school everyone called him {first_name}.",
    "The reservation is under {person}.", "Book a table for two under the name {last_name}.",
    "{first_name} always remembers everyone's birthday.", "{first_name} has been my best friend since kindergarten.",
    "I borrowed {first_name}'s bike yesterday.", "This is {first_name}'s favourite song.",
    "{person}\n{company}\n{street_address}\n{city}", "Billing name: {person}\nShipping to: {address}",
    "Name: {person}\nPhone: {phone_number}", "Send my regards to {first_name} and the kids.",
    "I met {first_name} at the {city} airport.",
    "Note: {company} moved the deadline.\nUpdate: {first_name} will send the new date.",
]


def context_rows(n=1500):
    """CONTEXT_TEMPLATES filled like the training rows, by a generator of their own."""
    rng = random.Random(41)
    en, fakers = seeded_fakers(199, 300)
    # faker_values draws from the module's generator; seeded here, it makes these rows the same each run.
    random.seed(43)
    return [fill(rng.choice(CONTEXT_TEMPLATES), faker_values(fakers[0] if rng.random() < 0.3 else rng.choice(fakers), en))
            for _ in range(n)]


def fill(template, values):
    """Fills {field} placeholders; returns text and typed spans with UTF-16 offsets."""
    text, spans, ignore, pos = "", [], [], 0
    for m in re.finditer(r"\{\{?\s*([a-z_]+)\s*\}?\}", template):
        text += template[pos:m.start()]
        field = m.group(1)
        value = str(values(field))
        start = len(text.encode("utf-16-le")) // 2
        text += value
        end = len(text.encode("utf-16-le")) // 2
        typ = "PERSON" if field in PERSON else "LOCATION" if field in LOCATION else STRUCTURED.get(field)
        (spans.append({"type": typ, "start": start, "end": end}) if typ else ignore.append({"start": start, "end": end}))
        pos = m.end()
    text += template[pos:]
    return {"text": text, "spans": spans, "ignore": ignore}


def fixed_date(fk, start, end):
    """A date in [start, end] from fk's own seeded generator. Faker's date providers count from
    today, so rows made with them differed from one run to the next."""
    return start + timedelta(days=fk.random_int(0, (end - start).days))


def faker_values(fk, en):
    """Values from locale faker `fk`; `en` (en_US) supplies English country names and fallbacks."""
    def v(field):
        if field in ("person", "full_name"):
            return fk.name() if random.random() < 0.85 else f"{fk.first_name()} {random.choice('ABCDEFGHJKLMNPRSTW')}. {fk.last_name()}"
        if field == "date_of_birth":
            return fixed_date(fk, date(1940, 1, 1), date(2006, 12, 31)).strftime(random.choice(["%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%d %B %Y", "%d.%m.%Y"]))
        if field == "date_time":
            return fixed_date(fk, date(2020, 1, 1), date(2029, 12, 31)).strftime(random.choice(["%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%m/%d/%Y", "%b %d, %Y"]))
        if field == "address":
            return re.sub(r"\s*\n\s*", ", ", fk.address())
        if field == "street_address":
            return re.sub(r"\s*\n\s*", " ", fk.street_address())
        if field == "phone_number":
            return random.choice([fk.phone_number(), en.numerify("(###) ###-####"), en.numerify("+1 ###-###-####"), fk.phone_number()])
        if field == "credit_card_number":
            n = en.credit_card_number()
            return " ".join(n[i:i + 4] for i in range(0, len(n), 4)) if random.random() < 0.5 else n
        if field in ("state", "town"):  # not every locale has states; administrative_unit is the generic name
            try:
                return fk.administrative_unit()
            except AttributeError:
                return en.state()
        if field == "country":
            return en.country()
        if field in ("ip_address", "ipv4"):
            return en.ipv4() if random.random() < 0.8 else en.ipv6()
        if field == "zip":
            return en.postcode()
        if field == "ssn":  # US-shaped, as its label says; locale national IDs count birthdays from today
            return en.ssn()
        if field == "weekday":
            return fixed_date(en, date(2024, 1, 1), date(2024, 1, 7)).strftime("%A")
        if field == "month":
            return fixed_date(en, date(2024, 1, 1), date(2024, 12, 31)).strftime("%B")
        if field == "time":
            return (datetime(2024, 1, 1) + timedelta(minutes=en.random_int(0, 1439))).strftime(random.choice(["%H:%M", "%I %p", "%I:%M %p"]))
        if field == "age":
            return str(random.randint(18, 90))
        if field in ("job", "company", "domain"):
            return getattr(en, {"domain": "domain_name"}.get(field, field))()
        for f in (fk, en):
            try:
                return getattr(f, field)()
            except AttributeError:
                pass
        raise KeyError(field)
    return v


# Name and address styles of the countries whose people write to a router in English.
LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_NZ", "de_DE", "de_AT", "fr_FR", "es_ES", "it_IT", "nl_NL",
           "da_DK", "sv_SE", "no_NO", "fi_FI", "pl_PL", "cs_CZ", "hu_HU", "hr_HR", "sl_SI", "pt_BR", "sk_SK", "ro_RO", "et_EE"]


def seeded_fakers(en_seed, first_seed):
    """An en_US faker (English country names, fallbacks) and one per locale, each seeded."""
    en = Faker("en_US")
    en.seed_instance(en_seed)
    fakers = [Faker(l) for l in LOCALES]
    for i, f in enumerate(fakers):
        f.seed_instance(first_seed + i)
    return en, fakers


def train_rows(n=9000):
    random.seed(11)
    en, fakers = seeded_fakers(99, 100)
    rows = []
    for i in range(n):
        if i % 8 == 7:
            t = random.choice(NEGATIVES)
            if random.random() < 0.3:
                t = f"{t} ({random.choice(NEG_WORDS)})"
            rows.append({"text": t, "spans": [], "ignore": []})
            continue
        fk = fakers[0] if random.random() < 0.3 else random.choice(fakers)
        row = fill(random.choice(TRAIN_TEMPLATES), faker_values(fk, en))
        if random.random() < 0.15:  # a second sentence gives the head longer contexts
            other = fill(random.choice(TRAIN_TEMPLATES), faker_values(random.choice(fakers), en))
            shift = len(row["text"]) + 1
            row = {"text": row["text"] + " " + other["text"],
                   "spans": row["spans"] + [{**s, "start": s["start"] + shift, "end": s["end"] + shift} for s in other["spans"]],
                   "ignore": row["ignore"] + [{"start": s["start"] + shift, "end": s["end"] + shift} for s in other["ignore"]]}
        if random.random() < 0.08:  # people also type in lower case; offsets are unchanged for these scripts
            low = row["text"].lower()
            if len(low) == len(row["text"]):
                row["text"] = low
        rows.append(row)
    # Real questions as negatives: without them the head calls any content word a name or place.
    # (They may mention people; those few are labeled O, an accepted noise.)
    mmlu = [json.loads(l) for l in open(os.path.join(OUT, "mmlu.jsonl"))]
    pool = [r["text"][:300] for r in mmlu if r["split"] == "train"]
    random.shuffle(pool)
    rows += [{"text": t, "spans": [], "ignore": []} for t in pool[:1500]]
    return rows + language_rows()


def unescape(template):
    """templates.txt keeps one template per line, writing line breaks as a backslash and "n" (and
    escaping "," and "|" once); the sentences it stands for have real line breaks."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), template)


def held_out_rows(reps=5):
    wheel = sorted(glob.glob(os.path.join(ROOT, ".cache", "wheels", "presidio_evaluator-*.whl")))
    if not wheel:
        sys.exit("missing presidio-evaluator wheel; run: python3 -m pip download --no-deps -d .cache/wheels presidio-evaluator==0.3.2")
    z = zipfile.ZipFile(wheel[-1])
    raw = "presidio_evaluator/data_generator/raw_data/"
    templates = [t.strip() for t in z.read(raw + "templates.txt").decode("utf-8-sig").splitlines() if t.strip()]
    people = list(csv.DictReader(io.StringIO(z.read(raw + "FakeNameGenerator.com_3000.csv").decode("utf-8-sig"))))
    orgs = [r for r in csv.reader(io.StringIO(z.read(raw + "companies_and_organizations.csv").decode("utf-8-sig")))][1:]
    random.seed(29)
    fk = Faker("en_US")  # only for fields the CSV lacks; a different seed than training
    fk.seed_instance(999)
    rows = []
    for rep in range(reps):
        for t in templates:
            p = random.choice(people)

            def v(field, p=p):
                table = {"first_name": p["GivenName"], "last_name": p["Surname"], "city": p["City"], "country": p["CountryFull"],
                         "street_name": p["StreetAddress"].split(" ", 1)[-1], "state": p["StateFull"], "state_abbr": p["State"],
                         "address": f'{p["StreetAddress"]}, {p["City"]}, {p["State"]} {p["ZipCode"]}',
                         "email": p["EmailAddress"], "phone_number": p["TelephoneNumber"], "age": p["Age"],
                         "job": p["Occupation"], "organization": random.choice(orgs)[-1] if orgs else p["Company"],
                         "date_of_birth": p["Birthday"], "building_number": p["StreetAddress"].split(" ")[0],
                         "postcode": p["ZipCode"], "zipcode": p["ZipCode"], "nationality": p["NameSet"],
                         "prefix_male": "Mr.", "prefix_female": "Ms.", "prefix": p["Title"],
                         "nation_plural": p["NameSet"] + "s", "nation_woman": p["NameSet"] + " woman",
                         "us_driver_license": fk.bothify("?#######").upper(), "day_of_week": fixed_date(fk, date(2024, 1, 1), date(2024, 1, 7)).strftime("%A"),
                         "year": str(fk.random_int(1950, 2025)), "last_name_female": p["Surname"], "last_name_male": p["Surname"],
                         "first_name_nonbinary": p["GivenName"]}
                if field in ("person", "name", "name_female", "name_male"):
                    return f'{p["GivenName"]} {p["Surname"]}'
                if field in ("first_name_male", "first_name_female"):
                    return p["GivenName"]
                if field == "credit_card_number":
                    return fk.credit_card_number()
                return table.get(field) or faker_values(fk, fk)(field)
            split = "dev" if bucket(t, 2) else "test"
            rows.append({**fill(unescape(t), v), "split": split})
    return rows


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some Faker locale data are sets, whose order follows string hashing, which Python salts
        # per process: fix the salt so every run writes the same rows.
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
    os.makedirs(OUT, exist_ok=True)
    for name, rows in (("pii", train_rows()), ("pii_contexts", context_rows()), ("pii_test", held_out_rows())):
        with open(os.path.join(OUT, f"{name}.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        print(name, len(rows), sum(len(r["spans"]) for r in rows), "spans")


if __name__ == "__main__":
    main()
