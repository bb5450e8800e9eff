from loans.errors import LoanRuleError


class FundingError(LoanRuleError):
    code = "funding"
    title = "The funding arrangement refuses it."
