public import Contracts

/// Alpaca's activity types as our `TransactionKind`. Sources: the activity type list of
/// https://docs.alpaca.markets/docs/account-activities, alpaca-py `alpaca/trading/enums.py` `ActivityType`, and the
/// 2026-11-06 changelog (docs.alpaca.markets/us/v1.1/changelog/2026-11-06-activity-types-b66d603): `SSO` and `SSP` are
/// the former spin-off and split codes, `SPIN` and `SPLIT` the current ones; `TRANS` and `MISC` are filters only and are
/// never returned. A type not listed here is stored as `other` with Alpaca's item in `meta`. The README has the table.
extension AlpacaAdapter {
    /// Activity types by kind.
    static let kinds: [TransactionKind: Set<String>] = [
        // DIV cash dividend; DIVCGL / DIVCGS capital-gain distributions (long / short term); DIVROC return of capital;
        // DIVTXEX tax-exempt dividend.
        .dividend: ["DIV", "DIVCGL", "DIVCGS", "DIVROC", "DIVTXEX"],
        // "Dividend adjusted" for tax withheld: DIVNRA (non-resident alien, e.g. 25 % for an Indian resident under the
        // treaty), DIVFT (foreign tax), DIVTW (TEFRA); INTNRA / INTTW the same on interest; DIVWH / WH (retired codes).
        .withholdingTax: ["DIVNRA", "DIVFT", "DIVTW", "DIVWH", "INTNRA", "INTTW", "WH"],
        .interest: ["INT"],
        // FEE (USD fee), CFEE (crypto fee), DIVFEE (dividend fee), PTC (pass-through charge), PTR (pass-through rebate,
        // a fee with a positive amount).
        .fee: ["FEE", "CFEE", "DIVFEE", "PTC", "PTR"],
        .deposit: ["CSD"],
        .withdrawal: ["CSW"],
        // ACATC / ACATS: ACATS transfers of cash / securities in or out.
        .transfer: ["ACATC", "ACATS"],
        // JNL, JNLC (cash), JNLS (stock): journals between accounts at Alpaca.
        .journal: ["JNL", "JNLC", "JNLS"],
        .split: ["SPLIT", "SSP"],
        .spinOff: ["SPIN", "SSO"],
        .merger: ["MA"],
    ]

    private static let kindByType: [String: TransactionKind] = {
        var table: [String: TransactionKind] = [:]
        for (kind, types) in kinds { for type in types { table[type] = kind } }
        return table
    }()

    /// The kind of an activity: a `FILL` is a buy or sell by its `side` (`sell` and `sell_short` sell).
    static func kind(_ activityType: String, side: String?) -> TransactionKind {
        let type = activityType.uppercased()
        if type == "FILL" { return side?.lowercased().hasPrefix("sell") == true ? .sell : .buy }
        return kindByType[type] ?? .other
    }
}
