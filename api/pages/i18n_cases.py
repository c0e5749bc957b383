"""UI strings of the members' case page (`/cases`: stage and amount due, links, access log,
reports, repayment plans), merged into the catalogs of `api.pages.i18n`."""

from __future__ import annotations

ZH: dict[str, str] = {
    "nav.cases": "案件",
    "cases.title": "案件",
    "cases.explain": (
        "输入您的案件编号：设置案件阶段和应还金额、向借款人发放访问链接、查看访问记录、"
        "举报和还款计划。"
    ),
    "cases.reference": "案件编号",
    "cases.open": "打开",
    "cases.status": "阶段与应还金额",
    "cases.no_status": "尚未设置阶段和应还金额。",
    "cases.history_caption": "共 {count} 次设置，最新在前",
    "cases.set_at": "设置时间",
    "cases.stage": "阶段",
    "cases.currency": "币种",
    "cases.principal": "本金（元）",
    "cases.interest": "利息（元）",
    "cases.fees": "费用（元）",
    "cases.due": "应还合计",
    "cases.note": "计算说明",
    "cases.limits": "还款计划限制",
    "cases.limits_are": "最多 {count} 期，{end} 前还清",
    "cases.max_instalments": "还款计划最多期数（1 至 {max}，留空则不开放计划）",
    "cases.latest_end": "还款计划最晚结束日期",
    "cases.set_status": "保存新的阶段和金额",
    "cases.error.stage": "请选择一个阶段。",
    "cases.error.currency": "币种须为三个大写字母（如 CNY）。",
    "cases.error.amount": "请输入金额，例如 1234.50（最多两位小数）。",
    "cases.error.principal": "本金须为不小于 0 的金额。",
    "cases.error.interest": "利息须为不小于 0 的金额。",
    "cases.error.fees": "费用须为不小于 0 的金额。",
    "cases.error.note": "说明过长。",
    "cases.error.max_instalments": "期数须为 1 至 {max}，并与最晚结束日期一起填写。",
    "cases.error.latest_end": "最晚结束日期须为今天之后的日期，并与期数一起填写。",
}

EN: dict[str, str] = {
    "nav.cases": "Cases",
    "cases.title": "Cases",
    "cases.explain": (
        "Enter one of your case references: set the case's stage and amount due, give the "
        "borrower an access link, see the access log, reports and repayment plans."
    ),
    "cases.reference": "Case reference",
    "cases.open": "Open",
    "cases.status": "Stage and amount due",
    "cases.no_status": "No stage and amount due set yet.",
    "cases.history_caption": "{count} settings, newest first",
    "cases.set_at": "Set at",
    "cases.stage": "Stage",
    "cases.currency": "Currency",
    "cases.principal": "Principal (main units)",
    "cases.interest": "Interest (main units)",
    "cases.fees": "Fees (main units)",
    "cases.due": "Amount due",
    "cases.note": "How it was computed",
    "cases.limits": "Repayment plan limits",
    "cases.limits_are": "at most {count} instalments, paid by {end}",
    "cases.max_instalments": (
        "Most instalments a repayment plan may have (1 to {max}; empty: no plans)"
    ),
    "cases.latest_end": "Latest end date of a repayment plan",
    "cases.set_status": "Save the new stage and amount",
    "cases.error.stage": "Choose a stage.",
    "cases.error.currency": "The currency is three capital letters (CNY, for one).",
    "cases.error.amount": "Enter an amount such as 1234.50 (at most two decimals).",
    "cases.error.principal": "The principal is an amount of 0 or more.",
    "cases.error.interest": "The interest is an amount of 0 or more.",
    "cases.error.fees": "The fees are an amount of 0 or more.",
    "cases.error.note": "The note is too long.",
    "cases.error.max_instalments": (
        "Instalments: 1 to {max}, given together with the latest end date."
    ),
    "cases.error.latest_end": (
        "The latest end date is after today, given together with the number of instalments."
    ),
}
