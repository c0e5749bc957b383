"""UI strings of the dealer and lender pages, merged into the catalogs of `api.pages.i18n`;
those of the lender's action forms (`api.pages.lending`) are `LENDING_EN` / `LENDING_ZH`."""

from __future__ import annotations

EN: dict[str, str] = {
    "nav.dealer": "Financing",
    "nav.lender": "Lending",
    "home.card.dealer": "Floor-plan financing",
    "home.card.dealer_text": (
        "Confirm the vehicles you received, report sales, and see what you owe with every "
        "charge explained."
    ),
    "home.card.lender": "Lending",
    "home.card.lender_text": (
        "Exposure per dealer, alerts, audits, claims and clearing cycles with their "
        "reconciliation reports."
    ),
    "financing.amounts": (
        "Amounts are in {currency}, in its main unit with two decimals; the chain keeps them "
        "in the smallest unit (1/100). Times are block times."
    ),
    "financing.yes": "yes",
    "financing.no": "no",
    "financing.error.reverted": "The chain refused it ({error}).",
    "line.id": "Line",
    "line.lender": "Lender",
    "line.dealer": "Dealer",
    "line.status": "Status",
    "line.limit": "Limit",
    "line.outstanding": "Outstanding",
    "line.available": "Available",
    "line.active_liens": "Active liens",
    "line_status.none": "unknown",
    "line_status.open": "open",
    "line_status.frozen": "frozen",
    "line_status.closed": "closed",
    "terms.advance_rate": "Advance rate",
    "terms.interest_rate": "Interest",
    "terms.per_year": "{rate} a year, simple",
    "terms.fee": "Fee per vehicle",
    "terms.confirm_window": "Time to confirm receipt",
    "terms.payoff_window": "Time to pay off after a sale",
    "terms.days": "{days} days",
    "terms.curtailments": "Curtailments",
    "terms.step": "{bps} of the advance on day {day}",
    "terms.no_curtailments": "none",
    "vehicle.hash": "Vehicle (VIN hash)",
    "vehicle.name": "Vehicle (VIN, on-chain hash)",
    "vehicle.vin": "VIN",
    "vehicle.description": "Vehicle",
    "vehicle.stock_number": "Stock number",
    "vehicle.stock": "stock {number}",
    "vehicle.certificate": "Certificate of conformity",
    "vehicle.engine": "Engine number",
    "vehicle.search": "Find a vehicle",
    "vehicle.search_hint": "VIN, certificate, engine or stock number, or a part of one.",
    "vehicle.search_submit": "Find",
    "vehicle.search_clear": "Show all vehicles",
    "vehicle.search_found": "{count} vehicles match “{query}”.",
    "vehicle.search_found.one": "1 vehicle matches “{query}”.",
    "vehicle.status": "Status",
    "vehicle.confirmed": "Receipt confirmed",
    "vehicle.disbursed_at": "Advanced at",
    "vehicle_status.none": "never financed",
    "vehicle_status.released": "released",
    "vehicle_status.financed": "financed",
    "vehicle_status.sold": "sold, payoff due",
    "vehicle_status.sold_out_of_trust": "sold out of trust",
    "vehicle_status.repossessed": "repossessed",
    "owed.title": "What you owe",
    "owed.explain": (
        "Each financed vehicle's payoff now (principal, interest so far, fee) and its "
        "curtailments, as the contract computes them. Open a vehicle for every charge explained."
    ),
    "owed.caption": "At block time {time}",
    "owed.principal": "Principal",
    "owed.interest": "Interest",
    "owed.fee": "Fee",
    "owed.payoff": "Payoff",
    "owed.payoff_due": "Payoff due by",
    "owed.curtailment_overdue": "Curtailment overdue",
    "owed.next_due": "Next curtailment due",
    "owed.total": "Total",
    "owed.none": "No vehicle is under an active lien on this line.",
    "owed.explain_link": "Charges of vehicle {vehicle}",
    "alerts.title": "Alerts",
    "alerts.explain": (
        "Recorded on chain, or a deadline passed that no one has flagged on chain yet "
        "(“not yet recorded”)."
    ),
    "alerts.caption": "{count} alerts",
    "alerts.caption.one": "1 alert",
    "alerts.kind": "Alert",
    "alerts.line": "Line",
    "alerts.line_n": "Line {id}",
    "alerts.source": "Source",
    "alerts.recorded": "recorded in block {block}",
    "alerts.pending": "not yet recorded",
    "alerts.at": "When",
    "alerts.none": "No alerts.",
    "alert.sold_out_of_trust": "Sold out of trust",
    "alert.missing_in_audit": "Missing in an audit",
    "alert.curtailment_overdue": "Curtailment overdue",
    "alert.unconfirmed": "Receipt not confirmed in time",
    "alert.certificate_mismatch": "Certificate mismatch",
    "alert.line_frozen_by_audit": "Line frozen by an audit",
    "dealer.title": "Floor-plan financing",
    "dealer.explain": (
        "Your credit lines as the dealer, read from the chain just now. Open a line to confirm "
        "vehicles, report a sale or see what you owe."
    ),
    "dealer.lines": "Your lines",
    "dealer.awaiting": "Awaiting your confirmation",
    "dealer.no_lines": "No lender has opened a line for you yet.",
    "dealer.back": "← Back to your lines",
    "dealer.line_title": "Credit line {id}",
    "dealer.confirm_title": "Vehicles awaiting your confirmation",
    "dealer.confirm_explain": (
        "The lender advanced on these vehicles. Tick those you received and that are on your "
        "lot. Your confirmation is an EIP-712 signature with your organisation's key, checked "
        "by the contract: the operator who relays it cannot forge it."
    ),
    "dealer.confirm_legend": "Vehicles received",
    "dealer.confirm_item": "Vehicle {vehicle} — advance {advance}, confirm by {by}",
    "dealer.select_all": "Select all {count} vehicles",
    "dealer.select_all.one": "Select the 1 vehicle",
    "dealer.deadline.due": "due",
    "dealer.deadline.overdue": "overdue",
    "dealer.late_remark": (
        "The deadline ({by}) has passed. You can still confirm: the contract records it, but "
        "anyone may flag the vehicle as unconfirmed past its deadline, and the lender then "
        "sees an alert (and may audit or freeze the line)."
    ),
    "dealer.signs_here": (
        "This service holds your organisation's key (demo mode): “Confirm and sign” signs the "
        "confirmation here with that key, then the operator relays it."
    ),
    "dealer.signs_wallet": (
        "This service does not hold your organisation's key: you get the typed data to sign "
        "in your wallet, then paste the signature."
    ),
    "dealer.confirm_sign": "Confirm and sign",
    "dealer.confirm_wallet": "Get the typed data to sign in a wallet",
    "dealer.nothing_to_confirm": "Nothing awaits your confirmation on this line.",
    "dealer.sale_title": "Report a sale",
    "dealer.sale_explain": (
        "Report a financed vehicle sold: its payoff falls due within the line's payoff window, "
        "and the lender's payoff claim is filed and confirmed by your report, to settle in the "
        "next clearing cycle."
    ),
    "dealer.sale_vin": "VIN of the vehicle sold",
    "dealer.sale_vin_hint": (
        "17 characters, from the vehicle's documents. The chain keeps only VIN hashes; a hash "
        "as listed below (0x…) works too."
    ),
    "dealer.sale_submit": "Report the sale",
    "dealer.done.confirmed": "Confirmed {count} vehicles on chain.",
    "dealer.done.confirmed.one": "Confirmed 1 vehicle on chain.",
    "dealer.done.sold": "Sale reported.",
    "dealer.done.sold_claim": (
        "Sale reported; the lender's payoff claim {claim} is filed and confirmed."
    ),
    "dealer.done.sold_before": (
        "This sale was reported before; the lender's payoff claim for it is claim {claim}."
    ),
    "dealer.error.none_ticked": "Tick at least one vehicle you received.",
    "dealer.error.not_waiting": "These vehicles cannot be confirmed: {detail}",
    "dealer.error.bad_signature": (
        "The contract refused the signature: it is not your organisation's signature of this "
        "typed data (another key, or the data was changed)."
    ),
    "dealer.error.expired": "The confirmation expired before it was recorded; start again.",
    "dealer.error.nonce": (
        "This confirmation was used already or another one came first; start again from the line."
    ),
    "dealer.error.already_confirmed": "A vehicle among these is confirmed already.",
    "dealer.error.not_financed": "This vehicle is not financed (it was reported sold already?).",
    "dealer.error.form_changed": "The confirmation form was changed; start again from the line.",
    "dealer.error.signature_empty": "Paste the signature your wallet made.",
    "dealer.error.signature_format": (
        "A signature is 0x followed by 130 hexadecimal digits (65 bytes)."
    ),
    "dealer.error.vin_empty": "Enter the VIN of the vehicle sold.",
    "dealer.error.vin_invalid": "This is not a valid VIN: {reason}.",
    "dealer.error.not_on_line": "No vehicle {vin} is under a lien on this line.",
    "dealer.error.cannot_sell": "The sale cannot be reported here: {detail}",
    "sign.title": "Sign the receipt confirmation",
    "sign.back": "← Back to line {id}",
    "sign.explain": (
        "Sign this EIP-712 typed data with your organisation's key (eth_signTypedData_v4) to "
        "confirm {count} vehicles on line {id}, then paste the signature below."
    ),
    "sign.explain.one": (
        "Sign this EIP-712 typed data with your organisation's key (eth_signTypedData_v4) to "
        "confirm 1 vehicle on line {id}, then paste the signature below."
    ),
    "sign.nonce": "Nonce",
    "sign.deadline": "Valid until",
    "sign.lender": "Lender's address",
    "sign.typed_data": "Typed data",
    "sign.typed_explain": "Sign it exactly as shown.",
    "sign.signature": "Signature",
    "sign.signature_hint": "0x followed by 130 hexadecimal digits.",
    "sign.submit": "Submit the signed confirmation",
    "charges.title": "Charges of vehicle",
    "charges.explain": (
        "Every charge of this lien at block time {time}, recomputed here and set beside the "
        "contract's own figure."
    ),
    "charges.principal": "Principal",
    "charges.principal_explain": (
        "The advance, less the curtailment payments recorded; interest accrues on what is "
        "outstanding."
    ),
    "charges.advance": "Advanced",
    "charges.repaid": "Repaid (curtailments)",
    "charges.outstanding": "Outstanding",
    "charges.interest": "Interest",
    "charges.interest_explain": (
        "Simple interest at {rate} a year, per accrual period (advance to first payment, "
        "between payments, last payment to now), each period rounded down:"
    ),
    "charges.periods": "Accrual periods",
    "charges.from": "From",
    "charges.to": "To",
    "charges.seconds": "Seconds",
    "charges.on_principal": "On principal",
    "charges.period_interest": "Interest",
    "charges.ended_by": "Ended by",
    "charges.payment": "payment of {amount}",
    "charges.now": "now",
    "charges.interest_total": "Interest so far",
    "charges.fee": "Fee",
    "charges.fee_explain": "A fee of {fee} per vehicle, charged with the payoff.",
    "charges.curtailments": "Curtailments",
    "charges.curtailments_explain": (
        "Shares of the advance that fall due on set days after the advance, whether or not the "
        "vehicle is sold; each is paid to the lender and lowers the principal."
    ),
    "charges.schedule": "Schedule",
    "charges.step_day": "Due on",
    "charges.step_share": "Share of the advance",
    "charges.step_due_at": "Due at",
    "charges.step_amount": "Amount",
    "charges.day_n": "day {day}",
    "charges.curtailments_due": "Due so far",
    "charges.curtailments_paid": "Paid",
    "charges.payoff": "Payoff now",
    "charges.payoff_caption": "Principal, interest and fee",
    "charges.part": "Part",
    "charges.ours": "Recomputed here",
    "charges.contract": "The contract",
    "charges.matches": "The recomputed payoff matches the contract's.",
    "charges.differs": "The recomputed payoff differs from the contract's.",
    "charges.payoff_due": "Sold: the payoff is due by {time}.",
    "charges.no_lien": "This vehicle's lien has ended: nothing is charged.",
    "lender.title": "Lending",
    "lender.explain": (
        "Your lines and your exposure per dealer, read from the chain just now, with the "
        "alerts on them."
    ),
    "lender.to_clearing": "Claims and clearing cycles →",
    "lender.exposure": "Exposure per dealer",
    "lender.lines_count": "Lines",
    "lender.lines": "Your lines",
    "lender.no_lines": "You have not opened a line yet.",
    "lender.back": "← Back to lending",
    "lender.vehicles": "Vehicles financed and what is owed",
    "clearing.why.awaiting_confirmation": (
        "Claim {id}: awaiting the confirmation of its debtor (member {debtor})."
    ),
    "clearing.why.dispute_window": "Claim {id}: the dispute window ends at {until}.",
    "clearing.why.disputed": "Claim {id}: disputed, waits for a governance decision.",
    "clearing.why.not_due": "Claim {id}: not due until {until}.",
    "clearing.why.payer_short": (
        "Claim {id}: payer member {payer} is short by {short_by} (balance {balance}, allowance "
        "to the Clearing {allowance})."
    ),
    "clearing.why.cycle_full": "Claim {id}: the cycle is full; it settles in a later one.",
    "lender.error.nothing_to_settle": (
        "Nothing to settle: no claim is final and due, or every net payer lacks the balance "
        "or allowance to the Clearing."
    ),
    "audits.title": "Lot audits",
    "audits.id": "Audit",
    "audits.opener": "Opened by",
    "audits.sample": "Sample",
    "audits.all": "every vehicle",
    "audits.status": "Status",
    "audits.found": "Found",
    "audits.missing": "Missing",
    "audits.unexpected": "Unexpected",
    "audits.none": "No audit of this line yet.",
    "audit.title": "Lot audit {id}",
    "audit.freeze": "Freezes the line if a vehicle is missing",
    "audit.draw_block": "Draw block",
    "audit.seed": "Draw seed",
    "audit.to_check": "Vehicles to check",
    "audit.to_check_explain": (
        "The unsold vehicles financed on the line that the draw selected, with what the "
        "auditor recorded for each so far."
    ),
    "audit.not_drawn": (
        "The draw is not revealed yet: the vehicles to check are fixed once the draw block is "
        "mined and the opener reveals its secret."
    ),
    "audit.nothing_to_check": "The draw selected no vehicle.",
    "audit.outcome": "Outcome",
    "outcome.none": "not checked yet",
    "outcome.found": "found",
    "outcome.missing": "missing",
    "outcome.unexpected": "unexpected",
    "audit_status.none": "unknown",
    "audit_status.committed": "opened, draw not revealed",
    "audit_status.revealed": "in progress",
    "audit_status.closed": "closed",
    "clearing.title": "Claims and clearing",
    "clearing.explain": (
        "Your claims as creditor or debtor, and the clearing cycles you took part in. A cycle "
        "nets every final, due claim and settles the net amounts in one transaction."
    ),
    "clearing.run_explain": (
        "The engine runs cycles on a schedule; you can run one now over every final, due claim."
    ),
    "clearing.run": "Run a clearing cycle now",
    "clearing.back": "← Back to claims and clearing",
    "clearing.cycles": "Clearing cycles",
    "clearing.cycle": "Cycle",
    "clearing.cycle_n": "Clearing cycle {id}",
    "clearing.status": "Status",
    "clearing.trigger": "Run by",
    "clearing.claims_count": "Claims",
    "clearing.transfers_count": "Transfers",
    "clearing.gross": "Gross",
    "clearing.net": "Net",
    "clearing.settled_at": "Settled at (block time)",
    "clearing.no_cycles": "No cycle included you yet.",
    "clearing.claims": "Your claims",
    "clearing.claim": "Claim",
    "clearing.kind": "Kind",
    "clearing.creditor": "Creditor",
    "clearing.debtor": "Debtor",
    "clearing.amount": "Amount",
    "clearing.state": "State",
    "clearing.reference": "Reference",
    "clearing.no_claims": "No claims.",
    "cycle_status.prepared": "prepared",
    "cycle_status.signed": "sent",
    "cycle_status.settled": "settled",
    "cycle_status.failed": "failed",
    "cycle_trigger.schedule": "the schedule",
    "cycle_trigger.member": "a member",
    "claim_kind.payoff": "payoff",
    "claim_kind.curtailment": "curtailment",
    "claim_kind.interest": "interest",
    "claim_kind.fee": "fee",
    "claim_kind.collection_fee": "collection fee",
    "claim_kind.other": "other",
    "claim_state.none": "unknown",
    "claim_state.filed": "filed",
    "claim_state.confirmed": "confirmed",
    "claim_state.final": "final",
    "claim_state.disputed": "disputed",
    "claim_state.settled": "settled",
    "claim_state.withdrawn": "withdrawn",
    "claim_state.rejected": "rejected",
    "cycle.explain": (
        "The reconciliation report: your claims, positions and transfers in this cycle, with "
        "the cycle's totals. The CSV holds the same, one row per claim and transfer."
    ),
    "cycle.csv": "Download the reconciliation report (CSV)",
    "cycle.chain_cycle": "Cycle id on chain",
    "cycle.plan_hash": "Plan hash (SHA-256)",
    "cycle.tx": "Transaction",
    "cycle.block": "Block",
    "cycle.error": "Why it failed",
    "cycle.claims": "Claims settled",
    "cycle.positions": "Net positions",
    "cycle.positions_explain": "What each member receives (positive) or pays (negative).",
    "cycle.member": "Member",
    "cycle.position": "Position",
    "cycle.transfers": "Transfers",
    "cycle.number": "No.",
    "cycle.payer": "Payer",
    "cycle.payee": "Payee",
    "cycle.no_transfers": "No transfers of yours in this cycle.",
}

ZH: dict[str, str] = {
    "nav.dealer": "融资",
    "nav.lender": "授信",
    "home.card.dealer": "库存融资",
    "home.card.dealer_text": "确认收到的车辆、报告销售，查看应付款项及每项费用的说明。",
    "home.card.lender": "授信管理",
    "home.card.lender_text": "按经销商的敞口、预警、盘库、债权及清算批次与对账报告。",
    "financing.amounts": (
        "金额单位为 {currency}，以货币主单位显示，保留两位小数；链上以最小单位（1/100）记录。"
        "时间为区块时间。"
    ),
    "financing.yes": "是",
    "financing.no": "否",
    "financing.error.reverted": "链上拒绝了此操作（{error}）。",
    "line.id": "授信额度",
    "line.lender": "贷款方",
    "line.dealer": "经销商",
    "line.status": "状态",
    "line.limit": "额度",
    "line.outstanding": "未偿本金",
    "line.available": "可用额度",
    "line.active_liens": "有效抵押",
    "line_status.none": "未知",
    "line_status.open": "正常",
    "line_status.frozen": "已冻结",
    "line_status.closed": "已关闭",
    "terms.advance_rate": "放款比例",
    "terms.interest_rate": "利率",
    "terms.per_year": "年利率 {rate}，单利",
    "terms.fee": "每车费用",
    "terms.confirm_window": "确认收车期限",
    "terms.payoff_window": "售出后还款期限",
    "terms.days": "{days} 天",
    "terms.curtailments": "分期还本",
    "terms.step": "第 {day} 天还放款额的 {bps}",
    "terms.no_curtailments": "无",
    "vehicle.hash": "车辆（VIN 哈希）",
    "vehicle.name": "车辆（VIN，链上哈希）",
    "vehicle.vin": "车架号（VIN）",
    "vehicle.description": "车辆",
    "vehicle.stock_number": "库存编号",
    "vehicle.stock": "库存 {number}",
    "vehicle.certificate": "合格证编号",
    "vehicle.engine": "发动机号",
    "vehicle.search": "查找车辆",
    "vehicle.search_hint": "车架号、合格证编号、发动机号或库存编号，可只输入一部分。",
    "vehicle.search_submit": "查找",
    "vehicle.search_clear": "显示全部车辆",
    "vehicle.search_found": "共 {count} 辆车与“{query}”相符。",
    "vehicle.search_found.one": "有 1 辆车与“{query}”相符。",
    "vehicle.status": "状态",
    "vehicle.confirmed": "已确认收车",
    "vehicle.disbursed_at": "放款时间",
    "vehicle_status.none": "从未融资",
    "vehicle_status.released": "已解押",
    "vehicle_status.financed": "已融资",
    "vehicle_status.sold": "已售出，待还款",
    "vehicle_status.sold_out_of_trust": "违规售车",
    "vehicle_status.repossessed": "已收回",
    "owed.title": "应付款项",
    "owed.explain": (
        "每辆融资车辆当前的结清金额（本金、至今利息、费用）及分期还本情况，以合约计算为准。"
        "打开车辆可查看每项费用的说明。"
    ),
    "owed.caption": "区块时间 {time}",
    "owed.principal": "本金",
    "owed.interest": "利息",
    "owed.fee": "费用",
    "owed.payoff": "结清金额",
    "owed.payoff_due": "还款截止",
    "owed.curtailment_overdue": "逾期分期还本",
    "owed.next_due": "下期还本日",
    "owed.total": "合计",
    "owed.none": "此额度下没有有效抵押的车辆。",
    "owed.explain_link": "车辆 {vehicle} 的费用",
    "alerts.title": "预警",
    "alerts.explain": "已记录在链上的预警，或期限已过但尚无人在链上标记的情况（“尚未记录”）。",
    "alerts.caption": "{count} 条预警",
    "alerts.caption.one": "1 条预警",
    "alerts.kind": "预警",
    "alerts.line": "授信额度",
    "alerts.line_n": "额度 {id}",
    "alerts.source": "来源",
    "alerts.recorded": "记录于区块 {block}",
    "alerts.pending": "尚未记录",
    "alerts.at": "时间",
    "alerts.none": "没有预警。",
    "alert.sold_out_of_trust": "违规售车",
    "alert.missing_in_audit": "盘库缺车",
    "alert.curtailment_overdue": "分期还本逾期",
    "alert.unconfirmed": "未按期确认收车",
    "alert.certificate_mismatch": "合格证不符",
    "alert.line_frozen_by_audit": "盘库导致额度冻结",
    "dealer.title": "库存融资",
    "dealer.explain": (
        "贵机构作为经销商的授信额度，刚从链上读取。打开额度可确认车辆、报告销售或查看应付款项。"
    ),
    "dealer.lines": "贵机构的授信额度",
    "dealer.awaiting": "待确认",
    "dealer.no_lines": "尚无贷款方为贵机构开立额度。",
    "dealer.back": "← 返回授信额度",
    "dealer.line_title": "授信额度 {id}",
    "dealer.confirm_title": "待确认收车的车辆",
    "dealer.confirm_explain": (
        "贷款方已为这些车辆放款。请勾选已收到且在库的车辆。确认是以贵机构密钥作出的 EIP-712 签名，"
        "由合约核验：转发的运营方无法伪造。"
    ),
    "dealer.confirm_legend": "已收到的车辆",
    "dealer.confirm_item": "车辆 {vehicle} — 放款 {advance}，请于 {by} 前确认",
    "dealer.select_all": "全选（共 {count} 辆）",
    "dealer.select_all.one": "全选（共 1 辆）",
    "dealer.deadline.due": "未到期",
    "dealer.deadline.overdue": "已逾期",
    "dealer.late_remark": (
        "确认期限（{by}）已过。仍可确认，合约会记录；但任何人都可将该车标记为逾期未确认，"
        "贷款方随即看到预警（并可能盘库或冻结额度）。"
    ),
    "dealer.signs_here": (
        "本服务保管贵机构的密钥（演示模式）：点击“确认并签名”即在此用该密钥签署确认，再由运营方转发上链。"
    ),
    "dealer.signs_wallet": (
        "本服务未保管贵机构的密钥：您将获得待签名的结构化数据，在钱包中签名后粘贴签名。"
    ),
    "dealer.confirm_sign": "确认并签名",
    "dealer.confirm_wallet": "获取结构化数据，在钱包中签名",
    "dealer.nothing_to_confirm": "此额度下没有待确认的车辆。",
    "dealer.sale_title": "报告销售",
    "dealer.sale_explain": (
        "报告一辆融资车辆已售出：其结清金额须在额度的还款期限内付清；贷款方的还款债权随即登记，"
        "并由您的报告确认，在下一清算批次结算。"
    ),
    "dealer.sale_vin": "已售车辆的 VIN",
    "dealer.sale_vin_hint": (
        "17 位，见车辆文件。链上仅保存 VIN 哈希；也可填写下方列出的哈希（0x…）。"
    ),
    "dealer.sale_submit": "报告销售",
    "dealer.done.confirmed": "已在链上确认 {count} 辆车。",
    "dealer.done.confirmed.one": "已在链上确认 1 辆车。",
    "dealer.done.sold": "已报告销售。",
    "dealer.done.sold_claim": "已报告销售；贷款方的还款债权 {claim} 已登记并确认。",
    "dealer.done.sold_before": "此销售此前已报告；贷款方对应的还款债权为 {claim}。",
    "dealer.error.none_ticked": "请至少勾选一辆已收到的车辆。",
    "dealer.error.not_waiting": "这些车辆无法确认：{detail}",
    "dealer.error.bad_signature": (
        "合约拒绝了该签名：它不是贵机构对此结构化数据的签名（密钥不同，或数据被改动）。"
    ),
    "dealer.error.expired": "确认在上链前已过期，请重新开始。",
    "dealer.error.nonce": "此确认已被使用，或已有另一确认先行上链；请从额度页面重新开始。",
    "dealer.error.already_confirmed": "其中有车辆已确认。",
    "dealer.error.not_financed": "该车辆不在融资状态（是否已报告售出？）。",
    "dealer.error.form_changed": "确认表单被改动，请从额度页面重新开始。",
    "dealer.error.signature_empty": "请粘贴钱包生成的签名。",
    "dealer.error.signature_format": "签名为 0x 加 130 位十六进制数字（65 字节）。",
    "dealer.error.vin_empty": "请输入已售车辆的 VIN。",
    "dealer.error.vin_invalid": "这不是有效的 VIN：{reason}。",
    "dealer.error.not_on_line": "此额度下没有处于抵押中的车辆 {vin}。",
    "dealer.error.cannot_sell": "无法在此报告销售：{detail}",
    "sign.title": "签署收车确认",
    "sign.back": "← 返回额度 {id}",
    "sign.explain": (
        "请用贵机构的密钥签署此 EIP-712 结构化数据（eth_signTypedData_v4），以确认额度 {id} 下的 "
        "{count} 辆车，然后将签名粘贴到下方。"
    ),
    "sign.explain.one": (
        "请用贵机构的密钥签署此 EIP-712 结构化数据（eth_signTypedData_v4），以确认额度 {id} 下的 "
        "1 辆车，然后将签名粘贴到下方。"
    ),
    "sign.nonce": "序号（nonce）",
    "sign.deadline": "有效期至",
    "sign.lender": "贷款方地址",
    "sign.typed_data": "结构化数据",
    "sign.typed_explain": "请按所示内容原样签名。",
    "sign.signature": "签名",
    "sign.signature_hint": "0x 加 130 位十六进制数字。",
    "sign.submit": "提交已签名的确认",
    "charges.title": "车辆费用",
    "charges.explain": (
        "此抵押在区块时间 {time} 的每项费用，由本服务重新计算，并与合约自身的数字并列。"
    ),
    "charges.principal": "本金",
    "charges.principal_explain": "放款额减去已记录的分期还本；利息按未偿本金计算。",
    "charges.advance": "放款额",
    "charges.repaid": "已还本金（分期还本）",
    "charges.outstanding": "未偿本金",
    "charges.interest": "利息",
    "charges.interest_explain": (
        "按年利率 {rate} 计单利，分计息期计算（放款至首次还款、两次还款之间、末次还款至今），"
        "每期向下取整："
    ),
    "charges.periods": "计息期",
    "charges.from": "起",
    "charges.to": "止",
    "charges.seconds": "秒数",
    "charges.on_principal": "计息本金",
    "charges.period_interest": "利息",
    "charges.ended_by": "结束于",
    "charges.payment": "还款 {amount}",
    "charges.now": "当前",
    "charges.interest_total": "至今利息",
    "charges.fee": "费用",
    "charges.fee_explain": "每车费用 {fee}，随结清金额收取。",
    "charges.curtailments": "分期还本",
    "charges.curtailments_explain": (
        "放款后按约定天数到期的放款额比例，无论车辆是否售出；每期付给贷款方并减少本金。"
    ),
    "charges.schedule": "还本计划",
    "charges.step_day": "到期日",
    "charges.step_share": "占放款额比例",
    "charges.step_due_at": "到期时间",
    "charges.step_amount": "金额",
    "charges.day_n": "第 {day} 天",
    "charges.curtailments_due": "至今应还",
    "charges.curtailments_paid": "已还",
    "charges.payoff": "当前结清金额",
    "charges.payoff_caption": "本金、利息与费用",
    "charges.part": "项目",
    "charges.ours": "本服务重算",
    "charges.contract": "合约",
    "charges.matches": "重算的结清金额与合约一致。",
    "charges.differs": "重算的结清金额与合约不一致。",
    "charges.payoff_due": "已售出：须于 {time} 前结清。",
    "charges.no_lien": "此车辆的抵押已结束：无任何费用。",
    "lender.title": "授信管理",
    "lender.explain": "贵机构的授信额度及按经销商的敞口，刚从链上读取，并附相关预警。",
    "lender.to_clearing": "债权与清算批次 →",
    "lender.exposure": "按经销商的敞口",
    "lender.lines_count": "额度数",
    "lender.lines": "贵机构的授信额度",
    "lender.no_lines": "贵机构尚未开立额度。",
    "lender.back": "← 返回授信管理",
    "lender.vehicles": "融资车辆及应付款项",
    "clearing.why.awaiting_confirmation": "债权 {id}：等待债务方（成员 {debtor}）确认。",
    "clearing.why.dispute_window": "债权 {id}：异议期至 {until} 结束。",
    "clearing.why.disputed": "债权 {id}：有异议，等待治理决定。",
    "clearing.why.not_due": "债权 {id}：{until} 前未到期。",
    "clearing.why.payer_short": (
        "债权 {id}：付款方成员 {payer} 差额 {short_by}"
        "（余额 {balance}，对清算合约的授权 {allowance}）。"
    ),
    "clearing.why.cycle_full": "债权 {id}：本批次已满，将在后续批次结算。",
    "lender.error.nothing_to_settle": (
        "没有可结算的内容：没有已最终确认且到期的债权，或每个净付款方的余额或对清算合约的授权不足。"
    ),
    "audits.title": "盘库",
    "audits.id": "盘库",
    "audits.opener": "发起方",
    "audits.sample": "抽样",
    "audits.all": "全部车辆",
    "audits.status": "状态",
    "audits.found": "在库",
    "audits.missing": "缺失",
    "audits.unexpected": "异常",
    "audits.none": "此额度尚无盘库。",
    "audit.title": "盘库 {id}",
    "audit.freeze": "缺车时冻结额度",
    "audit.draw_block": "抽样区块",
    "audit.seed": "抽样种子",
    "audit.to_check": "待盘点车辆",
    "audit.to_check_explain": (
        "抽样选中的、此额度下未售出的融资车辆，以及审计方至今为每辆车记录的结果。"
    ),
    "audit.not_drawn": "抽样尚未揭示：抽样区块产出且发起方揭示其秘密后，待盘点车辆即确定。",
    "audit.nothing_to_check": "抽样未选中任何车辆。",
    "audit.outcome": "结果",
    "outcome.none": "尚未盘点",
    "outcome.found": "在库",
    "outcome.missing": "缺失",
    "outcome.unexpected": "异常",
    "audit_status.none": "未知",
    "audit_status.committed": "已发起，抽样未揭示",
    "audit_status.revealed": "进行中",
    "audit_status.closed": "已结束",
    "clearing.title": "债权与清算",
    "clearing.explain": (
        "贵机构作为债权人或债务人的债权，以及贵机构参与的清算批次。每个批次对所有已最终确认且到期的"
        "债权进行轧差，并在一笔交易中结算净额。"
    ),
    "clearing.run_explain": (
        "清算引擎按计划运行批次；您也可以立即对所有已最终确认且到期的债权运行一次。"
    ),
    "clearing.run": "立即运行清算批次",
    "clearing.back": "← 返回债权与清算",
    "clearing.cycles": "清算批次",
    "clearing.cycle": "批次",
    "clearing.cycle_n": "清算批次 {id}",
    "clearing.status": "状态",
    "clearing.trigger": "发起方式",
    "clearing.claims_count": "债权数",
    "clearing.transfers_count": "划转数",
    "clearing.gross": "总额",
    "clearing.net": "净额",
    "clearing.settled_at": "结算时间（区块时间）",
    "clearing.no_cycles": "尚无包含贵机构的批次。",
    "clearing.claims": "贵机构的债权",
    "clearing.claim": "债权",
    "clearing.kind": "类型",
    "clearing.creditor": "债权人",
    "clearing.debtor": "债务人",
    "clearing.amount": "金额",
    "clearing.state": "状态",
    "clearing.reference": "关联",
    "clearing.no_claims": "没有债权。",
    "cycle_status.prepared": "已准备",
    "cycle_status.signed": "已发送",
    "cycle_status.settled": "已结算",
    "cycle_status.failed": "失败",
    "cycle_trigger.schedule": "计划运行",
    "cycle_trigger.member": "成员发起",
    "claim_kind.payoff": "结清款",
    "claim_kind.curtailment": "分期还本",
    "claim_kind.interest": "利息",
    "claim_kind.fee": "费用",
    "claim_kind.collection_fee": "催收费",
    "claim_kind.other": "其他",
    "claim_state.none": "未知",
    "claim_state.filed": "已登记",
    "claim_state.confirmed": "已确认",
    "claim_state.final": "已最终确认",
    "claim_state.disputed": "有争议",
    "claim_state.settled": "已结算",
    "claim_state.withdrawn": "已撤回",
    "claim_state.rejected": "已驳回",
    "cycle.explain": (
        "对账报告：贵机构在此批次中的债权、头寸和划转，以及批次总数。"
        "CSV 内容相同，每笔债权和划转一行。"
    ),
    "cycle.csv": "下载对账报告（CSV）",
    "cycle.chain_cycle": "链上批次编号",
    "cycle.plan_hash": "计划哈希（SHA-256）",
    "cycle.tx": "交易",
    "cycle.block": "区块",
    "cycle.error": "失败原因",
    "cycle.claims": "已结算债权",
    "cycle.positions": "净头寸",
    "cycle.positions_explain": "各成员应收（正数）或应付（负数）的金额。",
    "cycle.member": "成员",
    "cycle.position": "头寸",
    "cycle.transfers": "划转",
    "cycle.number": "序号",
    "cycle.payer": "付款方",
    "cycle.payee": "收款方",
    "cycle.no_transfers": "此批次中没有贵机构的划转。",
}

LENDING_EN: dict[str, str] = {
    "lending.to_open": "Open a credit line for a dealer →",
    "lending.to_advance": "Advance on vehicles or import a CSV file →",
    "lending.to_change": "Change the limit and terms →",
    "lending.back_to_line": "← Back to line {id}",
    "lending.optional": "(optional)",
    "lending.open_title": "Open a credit line",
    "lending.open_explain": (
        "A line lets you advance money on the dealer's vehicles up to its limit, each under a "
        "lien on its VIN. The terms below apply to every advance until you change them."
    ),
    "lending.change_title": "Change line {id}",
    "lending.change_explain": (
        "The new limit and terms take effect at once for later advances; vehicles advanced "
        "before keep the terms they were advanced under."
    ),
    "lending.dealer": "Dealer",
    "lending.dealer_hint": "The consortium member whose stock the line finances.",
    "lending.dealer_choose": "Choose a dealer",
    "lending.limit": "Limit, in {currency}",
    "lending.limit_hint": (
        "The most principal outstanding at once, in {currency} with up to two decimals, "
        "e.g. 1000000.00. 0 stops new advances."
    ),
    "lending.advance_rate": "Advance rate, per cent of the vehicle's value",
    "lending.advance_rate_hint": (
        "How much of each vehicle's value you advance, from 0.01 to 100, e.g. 80 for 80 %."
    ),
    "lending.interest_rate": "Interest, per cent a year",
    "lending.interest_rate_hint": (
        "Simple interest on the principal outstanding, from 0 to 655.35, e.g. 6.5."
    ),
    "lending.fee": "Fee per vehicle, in {currency}",
    "lending.fee_hint": "Charged once on each vehicle's payoff, e.g. 50.00; empty for none.",
    "lending.confirm_days": "Days to confirm receipt",
    "lending.confirm_days_hint": (
        "Whole days the dealer has to confirm a vehicle arrived, counted from the advance; "
        "later, the vehicle is flagged unconfirmed."
    ),
    "lending.payoff_days": "Days to pay off after a sale",
    "lending.payoff_days_hint": (
        "Whole days the dealer has to pay a sold vehicle off; later, it is sold out of trust."
    ),
    "lending.steps": "Curtailments (principal paydowns)",
    "lending.steps_hint": (
        "Each step makes a share of the advance fall due a number of days after it; days "
        "must rise from step to step and the shares add up to 100 % at most. Leave a step "
        "empty to have none."
    ),
    "lending.step_day": "Step {n}: day",
    "lending.step_day_hint": "Days after the advance, from 1 to 65535.",
    "lending.step_percent": "Step {n}: per cent of the advance",
    "lending.step_percent_hint": "From 0.01 to 100, e.g. 10.",
    "lending.open_submit": "Open the line",
    "lending.change_submit": "Save the new limit and terms",
    "lending.advance_title": "Advance on line {id}",
    "lending.advance_explain": (
        "Each vehicle is advanced {rate} of its value and put under a lien on its VIN, "
        "certificate of conformity and engine numbers. Available on the line: {available} "
        "{currency}."
    ),
    "lending.one_title": "One vehicle",
    "lending.vin_hint": "The 17 characters of the vehicle identification number.",
    "lending.certificate_hint": "The certificate of conformity number on its documents.",
    "lending.engine_hint": "The engine number on its documents.",
    "lending.value": "Value, in {currency}",
    "lending.value_hint": (
        "The invoice or wholesale value in {currency}, e.g. 250000.00; you advance {rate} of it."
    ),
    "lending.make": "Make",
    "lending.model": "Model",
    "lending.colour": "Colour",
    "lending.directory_hint": "Kept in the service's VIN directory to name the vehicle.",
    "lending.stock_hint": "The dealer's own stock number, to find the vehicle by.",
    "lending.registration": "Registration number",
    "lending.registration_hint": (
        "The movable-property registration covering the vehicle, at most 32 bytes."
    ),
    "lending.advance_submit": "Advance on this vehicle",
    "lending.import_title": "Import a CSV file of vehicles",
    "lending.import_explain": (
        "The file the command line imports: a header row, then one vehicle a row, at most "
        "{max_rows} rows and {megabytes} MB. Good rows are advanced, 100 a transaction; each "
        "bad row is listed with its row number and reason, and the others carry on."
    ),
    "lending.import_columns": "Required columns:",
    "lending.import_optional": "optional:",
    "lending.file": "CSV file",
    "lending.file_hint": "UTF-8 text, comma-separated; values in the smallest unit (1/100).",
    "lending.import_submit": "Import and advance",
    "lending.import_result_title": "Import on line {id}",
    "lending.outcome.running": "Still advancing: this page reloads itself until it is done.",
    "lending.outcome.stopped": (
        "The import stopped before its end: the rows counted as advanced are advanced, the "
        "others are not."
    ),
    "lending.outcome.nothing": "Nothing was advanced: every row was rejected.",
    "lending.outcome.partly": (
        "Only part was advanced: the rows below were rejected, every other row is advanced."
    ),
    "lending.outcome.all": "Every row was advanced.",
    "lending.import_failure": "What stopped it:",
    "lending.import_file": "File",
    "lending.import_rows": "Rows in the file",
    "lending.import_done": "Rows handled so far",
    "lending.import_advanced": "Vehicles advanced",
    "lending.import_rejected": "Rows rejected",
    "lending.import_total": "Principal advanced",
    "lending.import_transactions": "Transactions",
    "lending.import_reload": "The figures above are as of now.",
    "lending.import_reload_link": "Reload",
    "lending.rejected_title": "Rejected rows",
    "lending.rejected_caption": "{count} rows rejected (the header is row 1)",
    "lending.rejected_caption.one": "1 row rejected (the header is row 1)",
    "lending.row": "Row",
    "lending.reason": "Reason",
    "lending.reason_language": "Reasons are given as the command line gives them.",
    "lending.rejected_none": "No row was rejected.",
    "lending.release_title": "Release a lien",
    "lending.release_explain": (
        "When the dealer's payoff for a vehicle has reached you, record it: the lien is "
        "released and the vehicle's VIN, certificate and engine numbers are free again."
    ),
    "lending.release_vin": "VIN or VIN hash",
    "lending.release_vin_hint": "As on the vehicle's documents, or the hash listed above.",
    "lending.release_submit": "Record the payoff and release",
    "lending.curtail_title": "Record a curtailment payment",
    "lending.curtail_explain": (
        "A principal paydown the dealer made on one vehicle: its principal outstanding drops by "
        "the amount, and the curtailments due so far count it as paid."
    ),
    "lending.curtail_vin": "VIN or VIN hash of the vehicle paid on",
    "lending.curtail_paid": "Amount paid, in {currency}",
    "lending.curtail_paid_hint": (
        "In {currency} with up to two decimals, e.g. 18000.00; at most the principal outstanding."
    ),
    "lending.curtail_submit": "Record the payment",
    "lending.done.curtailment": "Curtailment payment of {amount} on {vin} recorded.",
    "lending.error.payment": (
        "The payment must be more than 0 and at most the principal outstanding, {principal}."
    ),
    "lending.done.opened": "Line {id} is open.",
    "lending.done.changed": "The new limit and terms of line {id} apply from now on.",
    "lending.done.advanced": "Advanced {amount} on {vin}.",
    "lending.done.released": "The lien on {vin} is released; payoff {amount} recorded.",
    "lending.error.required": "Fill this in.",
    "lending.error.vin_empty": "Enter the VIN (or VIN hash) of the vehicle paid off.",
    "lending.error.money": (
        "Write an amount in {currency} with digits, at most two after the point, e.g. 1500.00."
    ),
    "lending.error.money_range": "Give an amount from {low} to {high} {currency}.",
    "lending.error.percent": "Write a per cent with digits, at most two after the point.",
    "lending.error.percent_range": "Give a per cent from {low} to {high}.",
    "lending.error.days": "Give whole days from {low} to {high}.",
    "lending.error.step_day": "Give a whole day from {low} to {high}.",
    "lending.error.steps": (
        "The steps' days must rise from step to step, and their shares add up to 100 % at most."
    ),
    "lending.error.dealer": "Choose the dealer from the list.",
    "lending.error.refused": "Refused: {detail}",
    "lending.error.line_status": "The line is frozen or closed: it takes no advance or change.",
    "lending.error.over_limit": "This would take the line over its limit.",
    "lending.error.too_large": "The amount is too large for the contract.",
    "lending.error.too_long": "At most {count} characters.",
    "lending.error.registration": "At most 32 bytes (about 10 Chinese characters).",
    "lending.error.pledged": "This is already under an active lien; nothing was advanced.",
    "lending.error.file_too_large": "The file is larger than {megabytes} MB: split it.",
    "lending.error.no_file": "Choose a CSV file.",
    "lending.error.bad_file": "The file cannot be imported: {detail}",
    "undispute.title": "Withdraw a dispute",
    "undispute.explain": (
        "Withdrawing your dispute accepts the claim: it is final at once and the next clearing "
        "cycle settles it. A dispute withdrawn cannot be raised again."
    ),
    "undispute.claim": "Disputed claim",
    "undispute.submit": "Withdraw the dispute",
    "undispute.done": "Your dispute of claim {id} is withdrawn: the claim is final.",
    "undispute.error.claim": "Choose a claim you disputed from the list.",
    "undispute.error.status": "That claim is no longer disputed; nothing was changed.",
    "instruction.title": "Payment instruction for a claim on you",
    "instruction.explain": (
        "Download the pacs.008 XML your bank needs to pay a claim on you off chain (end-to-end "
        "id CLM-<claim>). Nothing is stored and no bank data is kept: once the settlement bank "
        "records the payment, the claim settles off chain."
    ),
    "instruction.claim": "Claim to pay",
    "instruction.payer": "Your account (payer)",
    "instruction.payee": "The creditor's account (payee)",
    "instruction.name": "Account holder",
    "instruction.name_hint": "As the bank knows the account, at most 140 characters.",
    "instruction.iban": "IBAN",
    "instruction.iban_hint": "Spaces are allowed, e.g. DE89 3704 0044 0532 0130 00.",
    "instruction.bic": "BIC",
    "instruction.bic_hint": "8 or 11 letters and digits, e.g. COBADEFFXXX.",
    "instruction.submit": "Download the payment instruction",
    "instruction.none": "No claim on you is waiting to be paid.",
    "instruction.error.claim": "Choose a claim on you from the list.",
    "instruction.error.name": "Give the account holder's name, at most {count} characters.",
    "instruction.error.iban": (
        "This is not a valid IBAN (check its letters, digits and check digits)."
    ),
    "instruction.error.bic": "A BIC is 8 or 11 letters and digits, e.g. COBADEFFXXX.",
    "withdraw.title": "Withdraw a claim you filed",
    "withdraw.explain": (
        "Withdrawing a claim ends it for good: it is left out of every clearing cycle and the "
        "debtor owes nothing on it. Any claim you filed can be withdrawn until it settles."
    ),
    "withdraw.claim": "Claim",
    "withdraw.claim_option": "Claim {id}: {kind} on {debtor}, {amount} ({state})",
    "withdraw.submit": "Withdraw the claim",
    "withdraw.none": "No claim you filed is waiting to settle.",
    "withdraw.done": "Claim {id} is withdrawn: no cycle will settle it.",
    "withdraw.error.claim": "Choose a claim you filed from the list.",
    "withdraw.error.status": ("That claim is settled or withdrawn already; nothing was changed."),
    "lending.status_title": "Freeze or close the line",
    "lending.freeze_explain": (
        "Freezing stops every new advance and refinancing onto this line; the vehicles already "
        "financed stay as they are and are paid off as before. You can unfreeze it later."
    ),
    "lending.freeze_submit": "Freeze the line",
    "lending.unfreeze_explain": "Unfreezing opens the line to new advances again.",
    "lending.unfreeze_submit": "Unfreeze the line",
    "lending.close_explain": (
        "Closing ends the line for good: it takes no advance again and cannot be reopened. "
        "Only a line with no active lien can be closed."
    ),
    "lending.close_submit": "Close the line for good",
    "lending.closed_explain": "This line is closed: nothing more can be done on it.",
    "lending.done.frozen": "Line {id} is frozen: it takes no new advance.",
    "lending.done.unfrozen": "Line {id} is open again.",
    "lending.done.closed": "Line {id} is closed.",
    "lending.error.has_liens": (
        "The line still has {count} active liens: release or transfer them first; the line "
        "stays as it was."
    ),
    "lending.error.status_changed": (
        "The line's status has changed meanwhile; nothing was done. See it above."
    ),
    "lending.transfer_title": "Refinance a vehicle with another lender",
    "lending.transfer_explain": (
        "Offer the lien on one of this line's financed, unsold vehicles to another line of the "
        "same dealer, usually another lender's. Nothing moves until that line's lender accepts: "
        "it then pays off this lien (principal, interest and fee) and holds the vehicle under "
        "its own terms. Offer it to line 0 to withdraw an offer."
    ),
    "lending.transfer_vin": "VIN or VIN hash of the vehicle to refinance",
    "lending.transfer_to": "Receiving line number",
    "lending.transfer_to_hint": (
        "The number of the other lender's line for this dealer, as that lender gives it; 0 "
        "withdraws the offer."
    ),
    "lending.transfer_submit": "Offer the lien",
    "lending.incoming_title": "Liens offered to this line",
    "lending.incoming_explain": (
        "Accepting a lien advances its payoff now from this line as the vehicle's new "
        "principal, under this line's terms. The dealer then still has to confirm receipt of "
        "the vehicle on this line within {days} days, as for a new advance."
    ),
    "lending.incoming_none": "No lien is offered to this line.",
    "lending.incoming_vehicle": "Vehicle",
    "lending.incoming_from": "From line",
    "lending.incoming_payoff": "Payoff to advance",
    "lending.incoming_accept": "Accept and pay off",
    "lending.done.offered": (
        "The lien on {vin} is offered to line {to}; it moves when that line's lender accepts."
    ),
    "lending.done.withdrawn": "The transfer offer of the lien on {vin} is withdrawn.",
    "lending.done.accepted": (
        "The lien on {vin} is now on this line: {amount} advanced to pay off the old one. "
        "The dealer must confirm receipt."
    ),
    "lending.error.transfer_vin": "Enter the VIN (or VIN hash) of the vehicle to refinance.",
    "lending.error.to_line": "Give a line number: whole digits.",
    "lending.error.transfer_line": "That is not another line of this line's dealer.",
    "lending.error.transfer_status": "Only a financed vehicle not yet sold can be refinanced.",
    "lending.error.not_offered": (
        "That lien is no longer offered to this line; nothing was advanced."
    ),
}
LENDING_ZH: dict[str, str] = {
    "lending.to_open": "为经销商开立授信额度 →",
    "lending.to_advance": "按车辆放款或导入 CSV 文件 →",
    "lending.to_change": "修改额度与条款 →",
    "lending.back_to_line": "← 返回授信额度 {id}",
    "lending.optional": "（选填）",
    "lending.open_title": "开立授信额度",
    "lending.open_explain": (
        "额度内可按经销商的车辆放款，每辆车以其车架号设立抵押。"
        "以下条款适用于此后的每笔放款，直到您修改。"
    ),
    "lending.change_title": "修改授信额度 {id}",
    "lending.change_explain": "新额度与条款立即适用于此后的放款；此前放款的车辆沿用放款时的条款。",
    "lending.dealer": "经销商",
    "lending.dealer_hint": "此额度为其库存融资的联盟成员。",
    "lending.dealer_choose": "请选择经销商",
    "lending.limit": "额度（{currency}）",
    "lending.limit_hint": (
        "同时未偿本金的上限，以 {currency} 计，最多两位小数，例如 1000000.00。为 0 则停止新放款。"
    ),
    "lending.advance_rate": "放款比例（占车辆价值的百分比）",
    "lending.advance_rate_hint": "每辆车按其价值放款的比例，0.01 至 100，例如 80 表示 80 %。",
    "lending.interest_rate": "年利率（百分比）",
    "lending.interest_rate_hint": "按未偿本金计单利，0 至 655.35，例如 6.5。",
    "lending.fee": "每车费用（{currency}）",
    "lending.fee_hint": "每辆车结清时收取一次，例如 50.00；不收则留空。",
    "lending.confirm_days": "确认收车天数",
    "lending.confirm_days_hint": "自放款起经销商确认车辆到店的整天数；逾期则标记为未确认。",
    "lending.payoff_days": "售出后结清天数",
    "lending.payoff_days_hint": "车辆售出后经销商结清的整天数；逾期即为违规售车（未还款）。",
    "lending.steps": "分期还本（本金递减）",
    "lending.steps_hint": (
        "每一期规定放款后第几天应还放款额的一定比例；各期天数须逐期递增，比例合计不超过 100 %。"
        "不需要则留空。"
    ),
    "lending.step_day": "第 {n} 期：天数",
    "lending.step_day_hint": "放款后的天数，1 至 65535。",
    "lending.step_percent": "第 {n} 期：占放款额的百分比",
    "lending.step_percent_hint": "0.01 至 100，例如 10。",
    "lending.open_submit": "开立额度",
    "lending.change_submit": "保存新额度与条款",
    "lending.advance_title": "在授信额度 {id} 下放款",
    "lending.advance_explain": (
        "每辆车按其价值的 {rate} 放款，并以其车架号、合格证编号和发动机号设立抵押。"
        "额度内可用：{available} {currency}。"
    ),
    "lending.one_title": "单辆车",
    "lending.vin_hint": "车辆识别代号（车架号）的 17 位字符。",
    "lending.certificate_hint": "车辆文件上的合格证编号。",
    "lending.engine_hint": "车辆文件上的发动机号。",
    "lending.value": "车辆价值（{currency}）",
    "lending.value_hint": "发票价或批发价，以 {currency} 计，例如 250000.00；放款为其 {rate}。",
    "lending.make": "品牌",
    "lending.model": "车型",
    "lending.colour": "颜色",
    "lending.directory_hint": "保存在本服务的车架号目录中，用于标识车辆。",
    "lending.stock_hint": "经销商自己的库存编号，便于查找车辆。",
    "lending.registration": "登记编号",
    "lending.registration_hint": "涵盖此车的动产抵押登记编号，最多 32 字节。",
    "lending.advance_submit": "为此车放款",
    "lending.import_title": "导入车辆 CSV 文件",
    "lending.import_explain": (
        "与命令行导入相同的文件：一行表头，之后每行一辆车，最多 {max_rows} 行、{megabytes} MB。"
        "合格的行按每笔交易 100 辆放款；每个不合格的行连同行号和原因列出，其余照常进行。"
    ),
    "lending.import_columns": "必需的列：",
    "lending.import_optional": "可选：",
    "lending.file": "CSV 文件",
    "lending.file_hint": "UTF-8 文本，逗号分隔；金额以最小单位（1/100）计。",
    "lending.import_submit": "导入并放款",
    "lending.import_result_title": "授信额度 {id} 的导入",
    "lending.outcome.running": "仍在放款：本页会自动刷新，直到完成。",
    "lending.outcome.stopped": "导入中途停止：已计为放款的行已放款，其余未放款。",
    "lending.outcome.nothing": "未放款任何车辆：所有行均被拒绝。",
    "lending.outcome.partly": "仅部分放款：以下各行被拒绝，其余各行均已放款。",
    "lending.outcome.all": "所有行均已放款。",
    "lending.import_failure": "停止原因：",
    "lending.import_file": "文件",
    "lending.import_rows": "文件中的行数",
    "lending.import_done": "已处理的行数",
    "lending.import_advanced": "已放款车辆",
    "lending.import_rejected": "被拒绝的行",
    "lending.import_total": "放款本金合计",
    "lending.import_transactions": "交易笔数",
    "lending.import_reload": "以上数字为当前情况。",
    "lending.import_reload_link": "刷新",
    "lending.rejected_title": "被拒绝的行",
    "lending.rejected_caption": "{count} 行被拒绝（表头为第 1 行）",
    "lending.rejected_caption.one": "1 行被拒绝（表头为第 1 行）",
    "lending.row": "行号",
    "lending.reason": "原因",
    "lending.reason_language": "原因与命令行给出的一致（英文）。",
    "lending.rejected_none": "没有被拒绝的行。",
    "lending.release_title": "解除抵押",
    "lending.release_explain": (
        "收到经销商对某辆车的结清款后在此登记：抵押解除，"
        "该车的车架号、合格证编号和发动机号重新可用。"
    ),
    "lending.release_vin": "车架号或车架号哈希",
    "lending.release_vin_hint": "按车辆文件填写，或填写上方列出的哈希。",
    "lending.release_submit": "登记结清并解除抵押",
    "lending.curtail_title": "登记分期还本款",
    "lending.curtail_explain": (
        "经销商就某辆车偿还的本金：其未偿本金相应减少，已到期的分期还本计为已付。"
    ),
    "lending.curtail_vin": "所还款车辆的车架号或车架号哈希",
    "lending.curtail_paid": "还款金额（{currency}）",
    "lending.curtail_paid_hint": "以 {currency} 计，最多两位小数，例如 18000.00；不超过未偿本金。",
    "lending.curtail_submit": "登记还款",
    "lending.done.curtailment": "已登记 {vin} 的分期还本款 {amount}。",
    "lending.error.payment": "还款金额须大于 0 且不超过未偿本金 {principal}。",
    "lending.done.opened": "授信额度 {id} 已开立。",
    "lending.done.changed": "授信额度 {id} 的新额度与条款自现在起适用。",
    "lending.done.advanced": "已为 {vin} 放款 {amount}。",
    "lending.done.released": "{vin} 的抵押已解除；已登记结清款 {amount}。",
    "lending.error.required": "请填写此项。",
    "lending.error.vin_empty": "请输入已结清车辆的车架号（或车架号哈希）。",
    "lending.error.money": "请用数字填写 {currency} 金额，小数点后最多两位，例如 1500.00。",
    "lending.error.money_range": "请填写 {low} 至 {high} {currency} 之间的金额。",
    "lending.error.percent": "请用数字填写百分比，小数点后最多两位。",
    "lending.error.percent_range": "请填写 {low} 至 {high} 之间的百分比。",
    "lending.error.days": "请填写 {low} 至 {high} 之间的整天数。",
    "lending.error.step_day": "请填写 {low} 至 {high} 之间的整天数。",
    "lending.error.steps": "各期天数须逐期递增，比例合计不超过 100 %。",
    "lending.error.dealer": "请从列表中选择经销商。",
    "lending.error.refused": "被拒绝：{detail}",
    "lending.error.line_status": "此额度已冻结或关闭：不能放款或修改。",
    "lending.error.over_limit": "这将超出额度上限。",
    "lending.error.too_large": "金额超出合约可接受的范围。",
    "lending.error.too_long": "最多 {count} 个字符。",
    "lending.error.registration": "最多 32 字节（约 10 个汉字）。",
    "lending.error.pledged": "此项已设有有效抵押；未放款。",
    "lending.error.file_too_large": "文件超过 {megabytes} MB：请拆分。",
    "lending.error.no_file": "请选择 CSV 文件。",
    "lending.error.bad_file": "此文件无法导入：{detail}",
    "undispute.title": "撤回异议",
    "undispute.explain": (
        "撤回异议即接受该债权：债权立即成为最终状态，并由下一个清算周期结算。异议撤回后不能再次提出。"
    ),
    "undispute.claim": "有异议的债权",
    "undispute.submit": "撤回异议",
    "undispute.done": "您对债权 {id} 的异议已撤回：该债权已成为最终状态。",
    "undispute.error.claim": "请从列表中选择您提出异议的债权。",
    "undispute.error.status": "该债权已不在异议中；未做任何更改。",
    "instruction.title": "对您的债权的付款指令",
    "instruction.explain": (
        "下载您的银行在链下支付对您的债权所需的 pacs.008 XML（端到端编号 CLM-<债权>）。"
        "不存储任何内容，也不保留银行数据：结算银行登记该付款后，债权即在链下结算。"
    ),
    "instruction.claim": "要支付的债权",
    "instruction.payer": "您的账户（付款方）",
    "instruction.payee": "债权人的账户（收款方）",
    "instruction.name": "账户持有人",
    "instruction.name_hint": "与银行登记的账户名一致，最多 140 个字符。",
    "instruction.iban": "IBAN",
    "instruction.iban_hint": "可含空格，例如 DE89 3704 0044 0532 0130 00。",
    "instruction.bic": "BIC",
    "instruction.bic_hint": "8 或 11 位字母和数字，例如 COBADEFFXXX。",
    "instruction.submit": "下载付款指令",
    "instruction.none": "没有待支付的对您的债权。",
    "instruction.error.claim": "请从列表中选择对您的债权。",
    "instruction.error.name": "请填写账户持有人名称，最多 {count} 个字符。",
    "instruction.error.iban": "这不是有效的 IBAN（请检查字母、数字和校验位）。",
    "instruction.error.bic": "BIC 为 8 或 11 位字母和数字，例如 COBADEFFXXX。",
    "withdraw.title": "撤回您提交的债权",
    "withdraw.explain": (
        "撤回债权即永久终止该债权：它不再计入任何清算周期，债务人对其不再负有义务。"
        "您提交的债权在结算前均可撤回。"
    ),
    "withdraw.claim": "债权",
    "withdraw.claim_option": "债权 {id}：对 {debtor} 的{kind}，{amount}（{state}）",
    "withdraw.submit": "撤回债权",
    "withdraw.none": "您提交的债权中没有待结算的。",
    "withdraw.done": "债权 {id} 已撤回：任何清算周期都不会结算它。",
    "withdraw.error.claim": "请从列表中选择您提交的债权。",
    "withdraw.error.status": "该债权已结算或已撤回；未做任何更改。",
    "lending.status_title": "冻结或关闭额度",
    "lending.freeze_explain": (
        "冻结后，本额度不再接受任何新放款或再融资转入；已放款车辆保持不变，照常结清。之后可以解冻。"
    ),
    "lending.freeze_submit": "冻结额度",
    "lending.unfreeze_explain": "解冻后，本额度重新接受新放款。",
    "lending.unfreeze_submit": "解冻额度",
    "lending.close_explain": (
        "关闭即永久终止本额度：不再放款，且无法重新开启。只有没有有效抵押的额度才能关闭。"
    ),
    "lending.close_submit": "永久关闭额度",
    "lending.closed_explain": "此额度已关闭：不能再进行任何操作。",
    "lending.done.frozen": "授信额度 {id} 已冻结：不再接受新放款。",
    "lending.done.unfrozen": "授信额度 {id} 已重新开放。",
    "lending.done.closed": "授信额度 {id} 已关闭。",
    "lending.error.has_liens": "此额度仍有 {count} 项有效抵押：请先解除或转让；额度保持不变。",
    "lending.error.status_changed": "额度状态已在此期间变更；未做任何操作。请见上方。",
    "lending.transfer_title": "转由其他贷款方再融资",
    "lending.transfer_explain": (
        "将本额度下一辆已放款、未售出车辆的抵押转让给同一经销商的另一授信额度（通常属于其他贷款方）。"
        "在该额度的贷款方接受之前不会发生任何变动：接受时，该贷款方结清本抵押（本金、利息和费用），"
        "并按其自身条款持有该车辆。转让给额度 0 即撤回转让要约。"
    ),
    "lending.transfer_vin": "要再融资车辆的车架号或车架号哈希",
    "lending.transfer_to": "接收额度编号",
    "lending.transfer_to_hint": "该经销商在其他贷款方处的额度编号，由该贷款方告知；填 0 撤回要约。",
    "lending.transfer_submit": "发出转让要约",
    "lending.incoming_title": "转让给本额度的抵押",
    "lending.incoming_explain": (
        "接受抵押即由本额度立即放款结清原抵押，作为该车辆在本额度条款下的新本金。"
        "之后经销商仍须在 {days} 天内在本额度上确认收到车辆，与新放款相同。"
    ),
    "lending.incoming_none": "没有转让给本额度的抵押。",
    "lending.incoming_vehicle": "车辆",
    "lending.incoming_from": "原额度",
    "lending.incoming_payoff": "需放款的结清金额",
    "lending.incoming_accept": "接受并结清",
    "lending.done.offered": "{vin} 的抵押已转让给额度 {to}；待该额度的贷款方接受后转移。",
    "lending.done.withdrawn": "{vin} 抵押的转让要约已撤回。",
    "lending.done.accepted": (
        "{vin} 的抵押现已在本额度上：已放款 {amount} 结清原抵押。经销商须确认收车。"
    ),
    "lending.error.transfer_vin": "请输入要再融资车辆的车架号（或车架号哈希）。",
    "lending.error.to_line": "请填写额度编号：仅限数字。",
    "lending.error.transfer_line": "这不是本额度经销商的另一授信额度。",
    "lending.error.transfer_status": "只有已放款且尚未售出的车辆才能再融资。",
    "lending.error.not_offered": "该抵押已不再转让给本额度；未放款。",
}

LOT_AUDIT_EN: dict[str, str] = {
    "lot_audit.open_title": "Open a lot audit",
    "lot_audit.open_explain": (
        "An auditor checks the dealer's lot for the vehicles financed on this line. A sampled "
        "audit draws its vehicles from a block mined after it is opened, so the dealer cannot "
        "know which ones in advance."
    ),
    "lot_audit.sample": "Sample, per cent of the financed vehicles",
    "lot_audit.sample_hint": "From 0.01 to 100; 100 checks every vehicle and needs no draw.",
    "lot_audit.open_submit": "Open the audit",
    "lot_audit.reveal_explain": (
        "The draw is fixed by the hash of the block after the draw block: reveal it once that "
        "block is mined, and within 256 blocks."
    ),
    "lot_audit.reveal_submit": "Reveal the draw",
    "lot_audit.not_opener": "Only the member that opened this audit records its outcomes.",
    "lot_audit.record_explain": (
        "Choose what was found for each vehicle checked; vehicles left as they are are not "
        "recorded now. A missing vehicle raises a sold-out-of-trust alert."
    ),
    "lot_audit.record": "Record",
    "lot_audit.record_for": "What was found about {vehicle}",
    "lot_audit.no_change": "leave as is",
    "lot_audit.evidence": "Evidence digest (SHA-256)",
    "lot_audit.evidence_hint": (
        "The 64 hexadecimal digits of the SHA-256 of the photos and GPS track of these checks, "
        "e.g. the digest of a notarized evidence item."
    ),
    "lot_audit.record_submit": "Record the outcomes",
    "lot_audit.close_title": "Close the audit",
    "lot_audit.close_explain": "Once closed, the audit takes no more outcomes.",
    "lot_audit.close_submit": "Close the audit",
    "lot_audit.done.opened": "Lot audit {id} is open.",
    "lot_audit.done.revealed": (
        "The draw of audit {id} is revealed: the vehicles to check are below."
    ),
    "lot_audit.done.recorded": "{count} outcomes recorded.",
    "lot_audit.done.recorded.one": "1 outcome recorded.",
    "lot_audit.done.closed": "Lot audit {id} is closed.",
    "lot_audit.error.not_ready": (
        "The draw is not ready: the block after the draw block is not mined yet. Try again in "
        "a few seconds."
    ),
    "lot_audit.error.expired": (
        "The draw expired (more than 256 blocks passed): close this audit and open a new one."
    ),
    "lot_audit.error.status": "The audit is not in a state that allows this.",
    "lot_audit.error.none_chosen": "Choose an outcome for at least one vehicle.",
    "lot_audit.error.evidence": "Give the 64 hexadecimal digits of a SHA-256 digest.",
}

LOT_AUDIT_ZH: dict[str, str] = {
    "lot_audit.open_title": "发起盘库",
    "lot_audit.open_explain": (
        "盘库人员到经销商场地核查此额度下融资的车辆。抽样盘库从发起后产生的区块中抽取车辆，"
        "经销商无法事先知道抽中哪些。"
    ),
    "lot_audit.sample": "抽样比例（占融资车辆的百分比）",
    "lot_audit.sample_hint": "0.01 至 100；100 表示核查全部车辆，无需抽取。",
    "lot_audit.open_submit": "发起盘库",
    "lot_audit.reveal_explain": (
        "抽取结果由抽取区块之后一个区块的哈希确定：该区块产生后、256 个区块之内揭示。"
    ),
    "lot_audit.reveal_submit": "揭示抽取结果",
    "lot_audit.not_opener": "只有发起此盘库的成员可以登记结果。",
    "lot_audit.record_explain": (
        "为每辆已核查的车辆选择核查结果；保持不变的车辆此次不登记。车辆缺失将触发违规售车预警。"
    ),
    "lot_audit.record": "登记",
    "lot_audit.record_for": "{vehicle} 的核查结果",
    "lot_audit.no_change": "保持不变",
    "lot_audit.evidence": "证据摘要（SHA-256）",
    "lot_audit.evidence_hint": (
        "本次核查的照片和定位轨迹的 SHA-256 摘要，64 位十六进制数字，例如已存证证据的摘要。"
    ),
    "lot_audit.record_submit": "登记核查结果",
    "lot_audit.close_title": "结束盘库",
    "lot_audit.close_explain": "结束后，此盘库不再接受核查结果。",
    "lot_audit.close_submit": "结束盘库",
    "lot_audit.done.opened": "盘库 {id} 已发起。",
    "lot_audit.done.revealed": "盘库 {id} 的抽取结果已揭示：需核查的车辆见下方。",
    "lot_audit.done.recorded": "已登记 {count} 项核查结果。",
    "lot_audit.done.recorded.one": "已登记 1 项核查结果。",
    "lot_audit.done.closed": "盘库 {id} 已结束。",
    "lot_audit.error.not_ready": "抽取尚未就绪：抽取区块之后的区块尚未产生。请几秒后重试。",
    "lot_audit.error.expired": "抽取已过期（已超过 256 个区块）：请结束此盘库并发起新的盘库。",
    "lot_audit.error.status": "盘库当前的状态不允许此操作。",
    "lot_audit.error.none_chosen": "请至少为一辆车选择核查结果。",
    "lot_audit.error.evidence": "请填写 SHA-256 摘要的 64 位十六进制数字。",
}

DISPUTE_EN: dict[str, str] = {
    "dispute.title": "Dispute a claim on you",
    "dispute.explain": (
        "A claim another member filed on you, still filed or within its dispute window, can be "
        "disputed citing evidence; it then cannot settle until the dispute ends (withdrawn, or "
        "decided by governance)."
    ),
    "dispute.claim": "Claim",
    "dispute.claim_option": "Claim {id}: {kind}, {amount} to {creditor}",
    "dispute.evidence": "Evidence",
    "dispute.evidence_hint": (
        "An evidence item's id (ev_…) you may read, a document's SHA-256 as 0x and 64 hex "
        "digits, or your own reference of at most 32 bytes."
    ),
    "dispute.submit": "Dispute the claim",
    "dispute.none": "No claim on you can be disputed now.",
    "dispute.done": "Claim {id} is disputed: it cannot settle until the dispute ends.",
    "dispute.error.claim": "Choose one of the claims on you listed here.",
    "dispute.error.no_evidence": "No evidence item {id} that you may read.",
    "dispute.error.reference": (
        "Give 0x and 64 hex digits, or a reference of at most 32 bytes that is not all zeros."
    ),
    "dispute.error.window_closed": "The claim's dispute window has closed: it is final.",
    "dispute.error.status": "The claim cannot be disputed in its present state.",
}

DISPUTE_ZH: dict[str, str] = {
    "dispute.title": "对针对贵机构的债权提出争议",
    "dispute.explain": (
        "其他成员对贵机构登记的债权，在已登记状态或争议期内，可附证据提出争议；"
        "争议结束（撤回或由治理决定）前该债权不能结算。"
    ),
    "dispute.claim": "债权",
    "dispute.claim_option": "债权 {id}：{kind}，应付 {creditor} {amount}",
    "dispute.evidence": "证据",
    "dispute.evidence_hint": (
        "贵机构可读取的证据编号（ev_…）、以 0x 开头的 64 位十六进制文件 SHA-256，"
        "或贵机构自己的不超过 32 字节的参考号。"
    ),
    "dispute.submit": "提出争议",
    "dispute.none": "目前没有可提出争议的债权。",
    "dispute.done": "债权 {id} 已提出争议：争议结束前不能结算。",
    "dispute.error.claim": "请从此处列出的针对贵机构的债权中选择。",
    "dispute.error.no_evidence": "没有贵机构可读取的证据 {id}。",
    "dispute.error.reference": (
        "请填写 0x 加 64 位十六进制数字，或不超过 32 字节且不全为零的参考号。"
    ),
    "dispute.error.window_closed": "此债权的争议期已结束：已最终确认。",
    "dispute.error.status": "此债权当前的状态不能提出争议。",
}

EN |= LENDING_EN | LOT_AUDIT_EN | DISPUTE_EN
ZH |= LENDING_ZH | LOT_AUDIT_ZH | DISPUTE_ZH
