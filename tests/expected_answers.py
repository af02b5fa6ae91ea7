"""Expected answers of the named queries in queries/*.rq, proved by
tests/project/test_named_queries_data.py on pyoxigraph and rdflib.

Pure data. ``EXPECTED[key]`` is ``{"params": {...}, "rows": [...], "ordered": bool}``; the key
is the query name, optionally followed by ``#variant`` for a non-default parameter value.
``params`` override the defaults declared in the query header. Each row lists only the
variables that matter; a value is the IRI string or the literal's lexical form, and ``None``
means the variable must be unbound. ``rows`` is the exact solution multiset (in order when
``ordered`` is true).
"""

from typing import Any

ID = "https://w3id.org/graphsvc/id/"
GS = "https://w3id.org/graphsvc/ontology#"

EXPECTED: dict[str, dict[str, Any]] = {
    "cq01-troop-claims": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "state/south-korea",
                "claimantNamedAs": "Seoul",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "quantityText": "more than 10,000",
            },
            {
                "claimant": ID + "state/ukraine",
                "claimantNamedAs": "Kyiv",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "quantityText": "more than 10,000",
            },
            {
                "claimant": ID + "state/united-states",
                "claimantNamedAs": "Washington",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "quantityText": "more than 10,000",
            },
        ],
        "ordered": True,
    },
    "cq02-troop-count-and-year": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "state/south-korea",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "value": None,
                "quantityText": "more than 10,000",
                "year": "2024",
                "timeText": "last year",
                "precision": GS + "PrecisionYear",
                "estimatesVary": "true",
            },
            {
                "claimant": ID + "state/ukraine",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "value": None,
                "quantityText": "more than 10,000",
                "year": "2024",
                "timeText": "last year",
                "precision": GS + "PrecisionYear",
                "estimatesVary": "true",
            },
            {
                "claimant": ID + "state/united-states",
                "status": GS + "Estimated",
                "minExclusive": "10000",
                "value": None,
                "quantityText": "more than 10,000",
                "year": "2024",
                "timeText": "last year",
                "precision": GS + "PrecisionYear",
                "estimatesVary": "true",
            },
        ],
        "ordered": True,
    },
    "cq03-killed-according-to": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "state/south-korea",
                "claim": ID + "claim/f36-south-korea-300-killed",
                "status": GS + "Asserted",
                "value": "300",
                "approximate": "false",
                "quantityText": "300",
            },
            {
                "claimant": ID + "state/south-korea",
                "claim": ID + "claim/f77-headline-seoul-300-killed",
                "status": GS + "LinkedHeadline",
                "value": "300",
                "approximate": "false",
                "quantityText": "300",
            },
        ],
        "ordered": True,
    },
    "cq03-killed-according-to#ukraine": {
        "params": {
            "claimant": ID + "state/ukraine",
        },
        "rows": [],
        "ordered": True,
    },
    "cq04-wounded-according-to": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "state/south-korea",
                "claim": ID + "claim/f37-south-korea-2700-wounded",
                "status": GS + "Asserted",
                "value": "2700",
                "quantityText": "2,700",
            },
        ],
        "ordered": True,
    },
    "cq05-combat-region-footage": {
        "params": {},
        "rows": [
            {
                "region": ID + "place/kursk-region",
                "country": ID + "state/russia",
                "claimant": ID + "organization/armed-forces-of-ukraine",
                "claimantNamedAs": "the Ukrainian army",
                "status": GS + "ClaimedToShow",
            },
        ],
        "ordered": True,
    },
    "cq06-kursk-control-since": {
        "params": {},
        "rows": [
            {
                "region": ID + "place/kursk-region",
                "controller": ID + "organization/armed-forces-of-ukraine",
                "since": "2024-08-01",
                "timeText": "since August last year",
                "precision": GS + "PrecisionMonth",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
    "cq06-kursk-control-since#donetsk-region": {
        "params": {
            "region": ID + "place/donetsk-region",
        },
        "rows": [],
        "ordered": True,
    },
    "cq07-evidence-inside-ukraine": {
        "params": {},
        "rows": [
            {
                "place": ID + "state/ukraine",
                "force": ID + "organization/north-korean-troops-in-russia",
                "status": GS + "NegativeEvidence",
                "timeText": "yet",
                "asOfLatest": "2025-01-19",
                "claimant": ID + "organization/afp",
            },
        ],
        "ordered": True,
    },
    "cq08-not-confirmed": {
        "params": {},
        "rows": [
            {
                "government": ID + "state/north-korea",
                "claim": ID + "claim/f52-pyongyang-not-confirmed",
                "claimant": ID + "organization/afp",
                "status": GS + "NotConfirmed",
            },
            {
                "government": ID + "state/russia",
                "claim": ID + "claim/f51-moscow-not-confirmed",
                "claimant": ID + "organization/afp",
                "status": GS + "NotConfirmed",
            },
        ],
        "ordered": True,
    },
    "cq09-kremlin-on-date": {
        "params": {},
        "rows": [
            {
                "organization": ID + "organization/the-kremlin",
                "day": "2025-01-13",
                "claim": ID + "claim/f63-kremlin-declined-comment",
                "subject": ID + "organization/the-kremlin",
                "property": GS + "commentedOn",
                "objectText": None,
                "status": GS + "DeclinedToComment",
                "claimant": ID + "organization/afp",
                "timeText": "on Monday",
            },
            {
                "organization": ID + "organization/the-kremlin",
                "day": "2025-01-13",
                "claim": ID + "claim/f64-peskov-we-do-not-know",
                "subject": ID + "person/dmitry-peskov",
                "property": GS + "said",
                "objectText": "We do not know what is true there",
                "status": GS + "Quotation",
                "claimant": ID + "person/dmitry-peskov",
                "timeText": None,
            },
        ],
        "ordered": True,
    },
    "cq09-kremlin-on-date#2025-01-12": {
        "params": {
            "day": "2025-01-12",
        },
        "rows": [],
        "ordered": True,
    },
    "cq10-kremlin-spokesman": {
        "params": {},
        "rows": [
            {
                "post": ID + "post/kremlin-spokesman",
                "person": ID + "person/dmitry-peskov",
                "titleAsGiven": "Kremlin spokesman",
                "claim": ID + "claim/f21-peskov-kremlin-spokesman",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
                "isQuoted": "true",
            },
        ],
        "ordered": True,
    },
    "cq10-kremlin-spokesman#nato-secretary-general": {
        "params": {
            "post": ID + "post/nato-secretary-general",
        },
        "rows": [
            {
                "person": ID + "person/mark-rutte",
                "titleAsGiven": "NATO chief",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
                "isQuoted": "true",
            },
        ],
        "ordered": True,
    },
    "cq11-pact-obligation": {
        "params": {},
        "rows": [
            {
                "agreement": ID + "agreement/russia-north-korea-defence-pact",
                "obligationText": "mutual assistance in case of aggression",
                "clause": ID + "clause/russia-north-korea-defence-pact-mutual-assistance",
                "clauseNumber": None,
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
    "cq12-pact-formalised": {
        "params": {},
        "rows": [
            {
                "agreement": ID + "agreement/russia-north-korea-defence-pact",
                "timeText": "in November",
                "earliest": "2024-11-01",
                "latest": "2024-11-30",
                "precision": GS + "PrecisionMonth",
                "signedOn": None,
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
    "cq13-telephone-call-warning": {
        "params": {},
        "rows": [
            {
                "person": ID + "person/volodymyr-zelensky",
                "partner": ID + "person/yoon-suk-yeol",
                "partnerPost": "President of South Korea",
                "timeText": "last year",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
                "warning": (
                    "This war is becoming internationalised, extending beyond two countries"
                ),
                "warningClaimant": ID + "person/volodymyr-zelensky",
                "warningStatus": GS + "Warning",
            },
        ],
        "ordered": True,
    },
    "cq14-descriptions-and-vows": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "person/yoon-suk-yeol",
                "claim": ID + "claim/f47-yoon-vow-not-stand-idle",
                "property": GS + "vowed",
                "text": "South Korea would not stand idle",
                "status": GS + "Vow",
                "additionalStatus": GS + "Quotation",
            },
            {
                "claimant": ID + "person/yoon-suk-yeol",
                "claim": ID + "claim/f48-yoon-deployment-provocation",
                "property": GS + "describedAs",
                "text": (
                    "a provocation that threatens global security beyond the Korean "
                    "Peninsula and Europe"
                ),
                "status": GS + "Characterization",
                "additionalStatus": GS + "Quotation",
            },
        ],
        "ordered": True,
    },
    "cq15-policy-could-change": {
        "params": {},
        "rows": [
            {
                "state": ID + "state/south-korea",
                "policy": ID + "policy/south-korea-no-weapons-to-countries-in-conflict",
                "policyClaimant": ID + "organization/afp",
                "policyStatus": GS + "ArticleAsserted",
                "signalClaim": ID + "claim/f50-south-korea-policy-could-change",
                "claimant": ID + "state/south-korea",
                "status": GS + "Signal",
            },
        ],
        "ordered": True,
    },
    "cq16-deployment-described-as": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "person/joe-biden",
                "claim": ID + "claim/f66-biden-deployment-very-dangerous",
                "description": "very dangerous",
                "status": GS + "Characterization",
                "additionalStatus": GS + "Quotation",
            },
        ],
        "ordered": True,
    },
    "cq16-deployment-described-as#yoon": {
        "params": {
            "claimant": ID + "person/yoon-suk-yeol",
        },
        "rows": [
            {
                "claimant": ID + "person/yoon-suk-yeol",
                "claim": ID + "claim/f48-yoon-deployment-provocation",
                "description": (
                    "a provocation that threatens global security beyond the Korean "
                    "Peninsula and Europe"
                ),
                "status": GS + "Characterization",
            },
        ],
        "ordered": True,
    },
    "cq17-west-fears": {
        "params": {},
        "rows": [
            {
                "claimant": ID + "collective/the-west",
                "claim": ID + "claim/f62-west-fears-russian-technology-support",
                "subject": ID + "state/russia",
                "support": (
                    "technological support that could advance Pyongyang\u2019s nuclear weapons "
                    "programme, in exchange for North Korean troops"
                ),
                "beneficiary": ID + "state/north-korea",
                "status": GS + "Fear",
            },
        ],
        "ordered": True,
    },
    "cq18-state-stance": {
        "params": {},
        "rows": [
            {
                "state": ID + "state/china",
                "claim": ID + "claim/f69-china-aligned-with-russia-and-north-korea",
                "property": GS + "closelyAlignedWith",
                "object": ID + "state/north-korea",
                "objectText": None,
                "timeText": None,
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
            {
                "state": ID + "state/china",
                "claim": ID + "claim/f69-china-aligned-with-russia-and-north-korea",
                "property": GS + "closelyAlignedWith",
                "object": ID + "state/russia",
                "objectText": None,
                "timeText": None,
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
            {
                "state": ID + "state/china",
                "claim": ID + "claim/f70-china-dismissed-ties",
                "property": GS + "dismissed",
                "object": None,
                "objectText": "the growing mutual ties between Russia and North Korea",
                "timeText": None,
                "claimant": ID + "organization/afp",
                "status": GS + "Asserted",
            },
            {
                "state": ID + "state/china",
                "claim": ID + "claim/f71-china-called-for-peaceful-resolution",
                "property": GS + "calledFor",
                "object": None,
                "objectText": "a peaceful resolution",
                "timeText": None,
                "claimant": ID + "organization/afp",
                "status": GS + "Asserted",
            },
            {
                "state": ID + "state/china",
                "claim": ID + "claim/f72-china-economic-support-to-russia",
                "property": GS + "offersSupport",
                "object": None,
                "objectText": "economic support to Russia",
                "timeText": "since the beginning of the war",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
    "cq19-response-to-deployment-question": {
        "params": {},
        "rows": [
            {
                "person": ID + "person/vladimir-putin",
                "claim": ID + "claim/f56-putin-did-not-deny",
                "property": GS + "denied",
                "status": GS + "NotDenied",
                "timeText": "last year",
                "earliest": "2024-01-01",
                "latest": "2024-12-31",
                "claimant": ID + "organization/afp",
            },
            {
                "person": ID + "person/vladimir-putin",
                "claim": ID + "claim/f57-putin-criticized-west-support",
                "property": GS + "criticized",
                "status": GS + "ArticleAsserted",
                "timeText": "last year",
                "earliest": "2024-01-01",
                "latest": "2024-12-31",
                "claimant": ID + "organization/afp",
            },
        ],
        "ordered": True,
    },
    "cq20-photo-provenance": {
        "params": {},
        "rows": [
            {
                "photo": ID + "source/photo-24th-brigade-chasiv-yar-2025-01-10",
                "taken": "2025-01-10",
                "released": "2025-01-13",
                "creator": ID + "organization/24th-mechanized-brigade-press-service",
                "provider": ID + "organization/afp",
                "credit": (
                    "Photo by Handout / 24th Mechanized Brigade of Ukrainian Armed Forces / AFP"
                ),
                "claimant": ID + "organization/afp",
                "status": GS + "Asserted",
            },
        ],
        "ordered": True,
    },
    "cq21-place-location": {
        "params": {},
        "rows": [
            {
                "place": ID + "place/chasiv-yar",
                "claim": ID + "claim/f12-chasiv-yar-in-donetsk-region",
                "region": ID + "place/donetsk-region",
                "country": ID + "state/ukraine",
                "claimant": ID + "organization/afp",
                "status": GS + "Asserted",
            },
        ],
        "ordered": True,
    },
    "cq21-place-location#kursk-region": {
        "params": {
            "place": ID + "place/kursk-region",
        },
        "rows": [
            {
                "claim": ID + "claim/f32-kursk-in-western-russia",
                "region": ID + "state/russia",
                "country": None,
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
    "cq22-title-and-alliance": {
        "params": {},
        "rows": [
            {
                "person": ID + "person/kim-jong-un",
                "title": "North Korea\u2019s leader",
                "post": ID + "post/leader-of-north-korea",
                "titleClaim": ID + "claim/f15-kim-leader-of-north-korea",
                "titleClaimant": ID + "organization/afp",
                "titleStatus": GS + "ArticleAsserted",
                "ally": ID + "person/vladimir-putin",
                "allyTitle": "Russia\u2019s President",
                "claimant": ID + "organization/afp",
                "status": GS + "ArticleAsserted",
            },
        ],
        "ordered": True,
    },
}
