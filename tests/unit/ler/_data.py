"""Inputs and vector loading shared by the oid4vc.ler tests (vectors: tests/vectors/ler, see its SOURCES.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "ler"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
CREDENTIAL_ID = "urn:uuid:5b3f0c2e-8d6a-4c1e-9f7b-2a1d3c4e5f60"

ISSUER: dict[str, Any] = {
    "id": "did:web:issuer.example.edu",
    "type": "Profile",
    "name": "Example University",
    "url": "https://issuer.example.edu",
    "image": "https://issuer.example.edu/logo.png",
}

MINIMAL_SUBJECT: dict[str, Any] = {
    "achievement": {
        "id": "https://issuer.example.edu/achievements/teamwork",
        "name": "Teamwork",
        "description": "Collaborates within a group.",
        "criteria": {"narrative": "Nominated by peers."},
    }
}

# Every modelled term of AchievementSubjectInput, Achievement and their parts, plus envelope options.
FULL_SUBJECT: dict[str, Any] = {
    "achievement": {
        "id": "https://issuer.example.edu/achievements/cs101",
        "type": "Achievement",
        "name": "Introduction to Programming",
        "description": "First course of the CS track.",
        "criteria": {"id": "https://issuer.example.edu/cs101/criteria", "narrative": "Pass the final project."},
        "image": {"id": "https://issuer.example.edu/cs101.png", "caption": "CS101 badge"},
        "achievementType": "Course",
        "alignment": {
            "targetName": "Programming fundamentals",
            "targetUrl": "https://framework.example.org/items/42",
            "targetCode": "PF-42",
            "targetType": "CFItem",
            "targetFramework": "Example Framework",
            "targetDescription": "Basics",
        },
        "creator": {"id": "https://issuer.example.edu/cs", "name": "CS Department"},
        "creditsAvailable": 3,
        "fieldOfStudy": "Computer Science",
        "humanCode": "CS101",
        "inLanguage": "en-US",
        "otherIdentifier": {"identifier": "cs-101", "identifierType": "systemId"},
        "resultDescription": [
            {
                "id": "urn:uuid:7d1c9a0e-0f6b-4d61-9a4b-3f2e1d0c9b8a",
                "name": "Final grade",
                "resultType": "LetterGrade",
                "allowedValue": ["D", "C", "B", "A"],
                "requiredValue": "C",
            },
            {
                "id": "urn:uuid:0c7f2e8b-5a44-4c1b-8b7e-6d5c4b3a2f19",
                "name": "Project rubric",
                "resultType": "RubricCriterionLevel",
                "rubricCriterionLevel": {"id": "urn:uuid:e3b1f0a2-9c8d-4e7f-a6b5-4c3d2e1f0a9b", "name": "Mastered"},
            },
        ],
        "specialization": "Python",
        "tag": "programming",
        "version": "2026",
        "x-extension": {"kept": True},
    },
    "result": [
        {"resultDescription": "urn:uuid:7d1c9a0e-0f6b-4d61-9a4b-3f2e1d0c9b8a", "value": "A"},
        {
            "resultDescription": "urn:uuid:0c7f2e8b-5a44-4c1b-8b7e-6d5c4b3a2f19",
            "achievedLevel": "urn:uuid:e3b1f0a2-9c8d-4e7f-a6b5-4c3d2e1f0a9b",
            "status": "Completed",
        },
    ],
    "identifier": {
        "hashed": True,
        "identityHash": "sha256$0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "identityType": "emailAddress",
        "salt": "pepper",
    },
    "activityStartDate": "2025-09-01T00:00:00Z",
    "activityEndDate": "2025-12-20T00:00:00Z",
    "creditsEarned": 3,
    "term": "Fall 2025",
    "role": "Student",
    "narrative": "Built a web scraper.",
    "source": {"id": "https://issuer.example.edu/registrar", "name": "Registrar"},
    "name": "CS101 completion",
    "description": "Awarded for completing CS101.",
    "evidence": {"id": "https://issuer.example.edu/evidence/1", "name": "Final project", "genre": "Code"},
    "valid_until": "2031-01-01T00:00:00Z",
}


def load_vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data
