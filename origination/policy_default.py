"""The default credit policy (version 1 of ``retail``): every threshold, point and band as data.

Published by ``policy_version_publish`` (or the admin); a changed policy is a new version.
Amounts and rates are strings (JSON keeps no Decimal); the pipeline reads them as Decimal.
"""

DEFAULT_POLICY_CODE = "retail"

DEFAULT_POLICY: dict = {
    "eligibility": {
        "min_age": 18,
        "max_age": 60,
        "allowed_countries": ["CN"],
        "excluded_regions": [],
        "required_consents": ["credit_bureau", "data_processing"],
    },
    "fraud": {
        "velocity_hours": 24,
        "max_per_national_id": 3,
        "max_per_mobile": 3,
        "max_per_device": 5,
    },
    "actions": {
        "consents": "decline",
        "age": "decline",
        "residency": "decline",
        "identity_invalid": "decline",
        "identity_mismatch": "refer",
        "block_list": "decline",
        "velocity": "refer",
        "exposure": "decline",
        "term": "decline",
        "collateral": "decline",
    },
    "scoring": {"provider": "builtin-scorecard"},
    "scorecard": {
        "base_points": 250,
        "max_reasons": 4,
        "characteristics": [
            {
                "name": "age",
                "feature": "age",
                "reason_code": "S01",
                "reason": "Age of the applicant",
                "bins": [
                    {"below": 22, "points": 20},
                    {"below": 25, "points": 40},
                    {"below": 35, "points": 70},
                    {"below": 50, "points": 80},
                    {"below": 61, "points": 60},
                    {"below": None, "points": 30},
                ],
            },
            {
                "name": "monthly_income",
                "feature": "monthly_income",
                "reason_code": "S02",
                "reason": "Declared income is low",
                "bins": [
                    {"below": 3000, "points": 10},
                    {"below": 6000, "points": 50},
                    {"below": 10000, "points": 80},
                    {"below": 20000, "points": 110},
                    {"below": None, "points": 130},
                ],
            },
            {
                "name": "exposure_to_income",
                "feature": "exposure_to_income",
                "reason_code": "S03",
                "reason": "Existing credit is high for the declared income",
                "missing_points": 30,
                "bins": [
                    {"below": "0.1", "points": 90},
                    {"below": "0.3", "points": 70},
                    {"below": "0.6", "points": 40},
                    {"below": "1", "points": 15},
                    {"below": None, "points": 0},
                ],
            },
            {
                "name": "on_time_history",
                "feature": "on_time_installments",
                "reason_code": "S04",
                "reason": "Short repayment history with us",
                "bins": [
                    {"below": 1, "points": 40},
                    {"below": 6, "points": 55},
                    {"below": 12, "points": 70},
                    {"below": None, "points": 90},
                ],
            },
            {
                "name": "delinquency",
                "feature": "max_days_past_due",
                "reason_code": "S05",
                "reason": "Repayments currently or recently overdue",
                "bins": [
                    {"below": 1, "points": 80},
                    {"below": 8, "points": 50},
                    {"below": 31, "points": 20},
                    {"below": 91, "points": -20},
                    {"below": None, "points": -60},
                ],
            },
            {
                "name": "tenure",
                "feature": "months_with_lender",
                "reason_code": "S06",
                "reason": "Short relationship with us",
                "bins": [
                    {"below": 1, "points": 20},
                    {"below": 6, "points": 30},
                    {"below": 12, "points": 40},
                    {"below": None, "points": 50},
                ],
            },
            {
                "name": "channel",
                "feature": "channel",
                "reason_code": "S07",
                "reason": "Application channel",
                "values": {"app": 30, "merchant": 25, "web": 15},
                "default_points": 10,
            },
        ],
    },
    "decision": {"approve_min_score": 640, "refer_min_score": 600},
    "bands": [
        {
            "name": "A",
            "min_score": 720,
            "annual_rate": "0.108",
            "income_multiple": "6",
            "max_limit": "100000",
        },
        {
            "name": "B",
            "min_score": 680,
            "annual_rate": "0.144",
            "income_multiple": "5",
            "max_limit": "60000",
        },
        {
            "name": "C",
            "min_score": 640,
            "annual_rate": "0.18",
            "income_multiple": "4",
            "max_limit": "30000",
        },
        {
            "name": "D",
            "min_score": 600,
            "annual_rate": "0.228",
            "income_multiple": "2",
            "max_limit": "10000",
        },
    ],
    "limits": {"rounding_unit": "100", "min_limit": "500", "expiry_months": 12},
    "dynamic_pricing": {
        "first_loan_discount": "0.01",
        "on_time_step": 6,
        "on_time_step_discount": "0.005",
        "max_on_time_discount": "0.03",
        "late_weight": 3,
        "floor_rate": "0.06",
    },
    "credit_line": {"freeze_days_past_due": 1, "unfreeze_on_cure": True},
    "max_reasons": 4,
}
