"""Synthetic PII sentences.
train: this file's own templates filled by Faker (en_US, en_GB, en_CA, en_AU) -> .cache/train/pii.jsonl
test:  presidio-evaluator's templates.txt filled with its FakeNameGenerator.com sample (a different
       value source and different sentence shapes) -> .cache/train/pii_test.jsonl
Rows: {text, spans:[{type,start,end}], ignore:[{start,end}]}; offsets are UTF-16 units (what JS uses).
`ignore` marks filled values of types outside the evaluated set (organization, age, ...), so a
detector is neither rewarded nor punished there.

    python3 -m pip download --no-deps -d .cache/wheels presidio-evaluator==0.3.2
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
import zipfile

from faker import Faker

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, ".cache", "train")

PERSON = {"person", "name", "first_name", "last_name", "name_female", "name_male", "first_name_male",
          "first_name_female", "last_name_male", "last_name_female", "first_name_nonbinary"}
LOCATION = {"city", "country", "address", "street_name", "street_address", "state", "state_abbr"}
STRUCTURED = {"credit_card_number": "CREDIT_CARD", "phone_number": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
              "iban": "IBAN_CODE", "url": "URL", "date_time": "DATE_TIME", "date_of_birth": "DATE_TIME",
              "ssn": "US_SSN", "ip_address": "IP_ADDRESS", "ipv4": "IP_ADDRESS"}

TRAIN_TEMPLATES = [
    "Please send the contract to {person} at {email}.", "My name is {person} and I live in {city}.",
    "{first_name} called from {phone_number} about the invoice.", "Ship it to {address}.",
    "Can you draft a letter to {person} in {country}?", "{person} was born on {date_of_birth} in {city}, {state}.",
    "Charge card {credit_card_number} for the order placed by {first_name} {last_name}.",
    "Transfer 500 EUR from {iban} to {person}.", "I met {first_name} last week near {street_name}.",
    "Our office moved to {city}; contact {person} for details.", "Hi, this is {person}. My SSN is {ssn}.",
    "Login attempts from {ip_address} were flagged for {first_name}.", "Book a flight from {city} to {city} for {person}.",
    "Remind {first_name} to renew the lease at {address} before {date_time}.", "Visit {url} and ask for {person}.",
    "{person}, {person} and {first_name} will join the meeting in {country}.", "Dear {person}, thank you for your order.",
    "Where is {city} located relative to {city}?", "The package for {last_name} is stuck in {state}.",
    "Write a birthday poem for {first_name}.", "Summarize the email {person} sent yesterday.",
    "What is the weather like in {city} today?", "{first_name} {last_name} ({email}) requested a refund.",
    "Patient {person}, DOB {date_of_birth}, phone {phone_number}.", "Tell me about the history of {country}.",
    "Is {street_name} in {city} safe at night?", "I'm {first_name}, reach me at {phone_number} or {email}.",
    "Update the shipping address of {person} to {address}.", "How far is {city} from the coast of {country}?",
    "Translate this note for {first_name}: the meeting moved to {city}.",
]
NEGATIVES = [
    "Explain the difference between mitosis and meiosis.", "What is the derivative of sin(x) times x squared?",
    "Write a Python function that reverses a linked list.", "Summarize the causes of World War I.",
    "How do interest rates affect bond prices?", "Give me a recipe for vegetarian lasagna.",
    "What are the symptoms of vitamin D deficiency?", "Ignore the formatting and fix the grammar in this paragraph.",
    "Compare TCP and UDP for a streaming application.", "List three arguments for and against nuclear energy.",
    "Which sorting algorithm is stable and runs in n log n time?", "Describe the plot of a heist movie in two sentences.",
    "The Apple Watch and the Amazon Echo are popular devices.", "Newton's second law relates force, mass and acceleration.",
    "A train leaves the station at 60 miles per hour.", "Calculate the molar mass of sulfuric acid.",
]


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


def faker_values(fk):
    def v(field):
        if field == "person":
            return fk.name()
        if field == "date_of_birth":
            return fk.date_of_birth().strftime(random.choice(["%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y"]))
        if field == "date_time":
            return fk.date_this_decade().strftime(random.choice(["%Y-%m-%d", "%d %B %Y", "%B %d, %Y"]))
        if field == "address":
            return fk.address().replace("\n", ", ")
        if field == "phone_number":
            return random.choice([fk.phone_number(), fk.numerify("(###) ###-####"), fk.numerify("+1 ###-###-####")])
        if field == "credit_card_number":
            n = fk.credit_card_number()
            return " ".join(n[i:i + 4] for i in range(0, len(n), 4)) if random.random() < 0.5 else n
        if field == "state":  # not every locale has states; administrative_unit is the generic name
            return fk.administrative_unit()
        if field == "ip_address":
            return fk.ipv4()
        return getattr(fk, field)()
    return v


def train_rows(n=3000):
    random.seed(11)
    fakers = [Faker(l) for l in ["en_US", "en_GB", "en_CA", "en_AU"]]
    for i, f in enumerate(fakers):
        f.seed_instance(100 + i)
    rows = []
    for i in range(n):
        if i % 6 == 5:
            rows.append({"text": random.choice(NEGATIVES), "spans": [], "ignore": []})
            continue
        rows.append(fill(random.choice(TRAIN_TEMPLATES), faker_values(random.choice(fakers))))
    # Real questions as negatives: without them the head calls any content word a name or place.
    # (They may mention people; those few are labeled O, an accepted noise.)
    mmlu = [json.loads(l) for l in open(os.path.join(OUT, "mmlu.jsonl"))]
    pool = [r["text"][:300] for r in mmlu if r["split"] == "train"]
    random.shuffle(pool)
    rows += [{"text": t, "spans": [], "ignore": []} for t in pool[:2000]]
    return rows


def test_rows():
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
    for rep in range(3):
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
                         "us_driver_license": fk.bothify("?#######").upper(), "day_of_week": fk.day_of_week(),
                         "year": str(fk.year()), "last_name_female": p["Surname"], "last_name_male": p["Surname"],
                         "first_name_nonbinary": p["GivenName"]}
                if field in ("person", "name", "name_female", "name_male"):
                    return f'{p["GivenName"]} {p["Surname"]}'
                if field in ("first_name_male", "first_name_female"):
                    return p["GivenName"]
                if field == "credit_card_number":
                    return fk.credit_card_number()
                return table.get(field) or faker_values(fk)(field)
            rows.append(fill(t, v))
    return rows


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, rows in (("pii", train_rows()), ("pii_test", test_rows())):
        with open(os.path.join(OUT, f"{name}.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        print(name, len(rows), sum(len(r["spans"]) for r in rows), "spans")


if __name__ == "__main__":
    main()
