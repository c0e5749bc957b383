"""UI strings of the borrower's pages (case access by link and code, the case, reports),
merged into the catalogs of `api.pages.i18n`. Chinese is the first language of these pages."""

from __future__ import annotations

ZH: dict[str, str] = {
    "borrower.plan.title": "还款计划",
    "borrower.plan.limits": (
        "您可以提出分期还款计划：最多 {count} 期，最晚于 {end} 还清，各期合计不少于应还金额 "
        "{due} {currency}。"
    ),
    "borrower.plan.nth": "第 {n} 期",
    "borrower.plan.due_on": "还款日期",
    "borrower.plan.amount": "金额（{currency}，元）",
    "borrower.plan.consent_propose": "我确认提出此还款计划；机构接受后，它即成为双方签署的协议。",
    "borrower.plan.consent_counter": (
        "我同意机构提出的此还款计划（合计 {total} {currency}），它将成为双方签署的协议。"
    ),
    "borrower.plan.propose": "提出还款计划",
    "borrower.plan.waiting": "您已提出以下还款计划，等待机构答复。",
    "borrower.plan.countered": "机构对您的计划提出了以下修改方案：",
    "borrower.plan.accept": "同意此方案",
    "borrower.plan.decline": "拒绝此方案",
    "borrower.plan.agreed": "双方已同意以下还款计划。",
    "borrower.plan.agreed_record": (
        "此协议已作为证据 {id} 记录并上链存证，您可以下载其回执和存证证书。"
    ),
    "borrower.plan.to_evidence": "查看证据",
    "borrower.plan.evidence_kind": "还款协议（双方已同意）",
    "borrower.plan.instalment": "{day}：{amount} {currency}",
    "borrower.plan.total": "合计 {total} {currency}",
    "borrower.plan.closed": "机构尚未开放还款计划。",
    "borrower.plan.past": "以往的方案",
    "borrower.plan.past_entry": "{at}，{who}提出，合计 {total} {currency}：{state}",
    "borrower.plan.by_you": "您",
    "borrower.plan.by_member": "机构",
    "borrower.plan.state.countered": "机构已提出修改方案",
    "borrower.plan.state.declined": "已拒绝",
    "borrower.plan.done.proposed": "您的还款计划已提交，机构将作出答复。",
    "borrower.plan.done.agreed": "还款计划已达成，协议已作为证据记录。",
    "borrower.plan.done.declined": "您已拒绝该方案，可以提出新的计划。",
    "plan.error.due_on": "请输入还款日期：晚于今天和上一期，且不晚于 {end}。",
    "plan.error.amount": "请输入大于 0 的金额，例如 1234.50（最多两位小数）。",
    "plan.error.count": "请填写 1 至 {max} 期（每期都要有日期和金额）。",
    "plan.error.total": "各期合计须不少于应还金额 {due}。",
    "plan.error.consent": "请勾选确认框，表示您同意。",
    "plan.error.conflict": "此方案已有答复，或目前不能提出新的计划。请刷新页面。",
    "borrower.stage.title": "案件进展与应还金额",
    "borrower.stage.current": "当前阶段：{stage}",
    "borrower.stage.reminder": "提醒",
    "borrower.stage.negotiation": "协商",
    "borrower.stage.agreement": "达成协议",
    "borrower.stage.repayment": "还款中",
    "borrower.stage.legal": "法律程序",
    "borrower.stage.none": "机构尚未设置案件阶段和应还金额。",
    "borrower.stage.history": "阶段变更记录",
    "borrower.stage.entry": "{at}：{stage}，应还 {total} {currency}",
    "borrower.due.total": "应还金额：{total} {currency}",
    "borrower.due.words": (
        "计算方式：本金 {principal} + 利息 {interest} + 费用 {fees} = {total} {currency}。"
    ),
    "borrower.due.note": "机构的说明：",
    "borrower.open.title": "查看您的案件",
    "borrower.open.explain": "请输入催收机构或贷款机构通过其他渠道（短信、电话）告知您的访问码。",
    "borrower.open.code": "访问码",
    "borrower.open.submit": "打开案件",
    "borrower.error.refused": "链接或访问码不正确。请核对后重试；多次错误后链接将被锁定。",
    "borrower.error.ended": "此链接已过期或已被撤销。请向发给您链接的机构索取新的链接。",
    "borrower.error.rate_limited": "尝试次数过多，请稍后再试。",
    "borrower.error.no_session": "您的案件会话已结束。请重新打开链接并输入访问码。",
    "borrower.case.title": "您的案件",
    "borrower.case.expires": "此链接有效期至 {at}。",
    "borrower.contacts.title": "对您的每一次联系",
    "borrower.contacts.none": "尚无记录的联系。",
    "borrower.contacts.agency": "机构：{name}",
    "borrower.contacts.ok": "符合规则（时段、频次、用语）。",
    "borrower.contacts.breaches": "有 {count} 处违反催收规则，监管机构看到的与您看到的相同。",
    "borrower.contacts.breaches.one": "有 1 处违反催收规则，监管机构看到的与您看到的相同。",
    "borrower.rule.contact_hours": "违反联系时段",
    "borrower.rule.contacts_per_day": "超过每日联系次数",
    "borrower.rule.contacts_per_week": "超过每周联系次数",
    "borrower.rule.forbidden_wording": "使用禁用语",
    "borrower.channel.phone": "电话",
    "borrower.channel.sms": "短信",
    "borrower.channel.app": "应用",
    "borrower.channel.email": "电子邮件",
    "borrower.channel.visit": "上门",
    "borrower.channel.letter": "信函",
    "borrower.channel.other": "其他",
    "borrower.report.title": "举报此次联系不当",
    "borrower.report.text": "发生了什么",
    "borrower.report.submit": "提交举报",
    "borrower.report.done": (
        "您的举报已作为证据 {id} 记录，将上链存证，案件相关机构和监管机构均可查看。"
    ),
    "borrower.report.error_text": "请描述发生了什么（最多 {max} 个字符）。",
    "borrower.report.kind": "您的不当联系举报",
    "borrower.evidence.title": "与您案件相关的每一项证据",
    "borrower.evidence.none": "尚无证据。",
    "borrower.evidence.receipt": "下载存证回执（JSON）",
    "borrower.evidence.certificate": "下载存证证书（PDF）",
    "borrower.evidence.recording_copy": "如需录音副本，请向催收机构书面申请，并注明证据编号 {id}。",
    "borrower.type.call_recording": "通话录音",
    "borrower.type.signed_agreement": "签署的协议",
    "borrower.type.visit_photo": "上门照片",
    "borrower.type.message_log": "消息记录",
    "borrower.type.audit_photo": "审计照片",
    "borrower.type.other": "其他",
    "borrower.status.pending": "待上链",
    "borrower.status.anchored": "已上链",
    "borrower.status.final": "已最终确认",
    "borrower.verify.title": "自行验证",
    "borrower.verify.explain": "任何人都可以用文件、回执和区块链节点独立验证，无需依赖本服务：",
    "borrower.verify.trust": "信任根：链 ID {chain}，证据登记合约 {registry}。",
}

EN: dict[str, str] = {
    "borrower.plan.title": "Repayment plan",
    "borrower.plan.limits": (
        "You can propose to pay in instalments: at most {count}, the last by {end}, together "
        "at least the amount due of {due} {currency}."
    ),
    "borrower.plan.nth": "Instalment {n}",
    "borrower.plan.due_on": "Date",
    "borrower.plan.amount": "Amount ({currency}, main units)",
    "borrower.plan.consent_propose": (
        "I propose this repayment plan; once the agency accepts it, it is an agreement "
        "signed by both sides."
    ),
    "borrower.plan.consent_counter": (
        "I agree to the agency's plan (together {total} {currency}); it becomes an agreement "
        "signed by both sides."
    ),
    "borrower.plan.propose": "Propose the plan",
    "borrower.plan.waiting": "You proposed this plan; the agency has not answered yet.",
    "borrower.plan.countered": "The agency answered your plan with this one:",
    "borrower.plan.accept": "Agree to this plan",
    "borrower.plan.decline": "Decline this plan",
    "borrower.plan.agreed": "Both sides agreed to this repayment plan.",
    "borrower.plan.agreed_record": (
        "The agreement is recorded as evidence {id} and anchored on the chain; you can "
        "download its receipt and certificate."
    ),
    "borrower.plan.to_evidence": "See the evidence",
    "borrower.plan.evidence_kind": "Repayment agreement (agreed by both sides)",
    "borrower.plan.instalment": "{day}: {amount} {currency}",
    "borrower.plan.total": "Together {total} {currency}",
    "borrower.plan.closed": "The agency has not opened repayment plans yet.",
    "borrower.plan.past": "Earlier plans",
    "borrower.plan.past_entry": "{at}, proposed by {who}, together {total} {currency}: {state}",
    "borrower.plan.by_you": "you",
    "borrower.plan.by_member": "the agency",
    "borrower.plan.state.countered": "the agency answered with another plan",
    "borrower.plan.state.declined": "declined",
    "borrower.plan.done.proposed": "Your plan is sent; the agency will answer.",
    "borrower.plan.done.agreed": "The plan is agreed; the agreement is recorded as evidence.",
    "borrower.plan.done.declined": "You declined the plan; you may propose another.",
    "plan.error.due_on": "Enter a date after today and after the instalment before, by {end}.",
    "plan.error.amount": "Enter an amount above 0, such as 1234.50 (at most two decimals).",
    "plan.error.count": "Fill in 1 to {max} instalments (each with a date and an amount).",
    "plan.error.total": "Together the instalments must come to at least the amount due, {due}.",
    "plan.error.consent": "Tick the box to say you agree.",
    "plan.error.conflict": (
        "This plan was answered already, or no new plan can be proposed now. Reload the page."
    ),
    "borrower.stage.title": "Where your case stands and what is due",
    "borrower.stage.current": "Stage: {stage}",
    "borrower.stage.reminder": "Reminder",
    "borrower.stage.negotiation": "Negotiation",
    "borrower.stage.agreement": "Agreement",
    "borrower.stage.repayment": "Repayment",
    "borrower.stage.legal": "Legal proceedings",
    "borrower.stage.none": "The agency has not set the case's stage and amount due yet.",
    "borrower.stage.history": "Changes of stage",
    "borrower.stage.entry": "{at}: {stage}, {total} {currency} due",
    "borrower.due.total": "Amount due: {total} {currency}",
    "borrower.due.words": (
        "How it was computed: principal {principal} + interest {interest} + fees {fees} = "
        "{total} {currency}."
    ),
    "borrower.due.note": "The agency's note:",
    "borrower.open.title": "See your case",
    "borrower.open.explain": (
        "Enter the access code the collection agency or lender gave you by another channel "
        "(text message, phone call)."
    ),
    "borrower.open.code": "Access code",
    "borrower.open.submit": "Open the case",
    "borrower.error.refused": (
        "The link or the access code is not right. Check them and try again; after several "
        "wrong codes the link locks."
    ),
    "borrower.error.ended": (
        "This link has expired or was revoked. Ask whoever sent it to you for a new one."
    ),
    "borrower.error.rate_limited": "Too many attempts. Try again later.",
    "borrower.error.no_session": (
        "Your case session has ended. Open your link again and enter the access code."
    ),
    "borrower.case.title": "Your case",
    "borrower.case.expires": "This link is valid until {at}.",
    "borrower.contacts.title": "Every contact with you",
    "borrower.contacts.none": "No contact recorded yet.",
    "borrower.contacts.agency": "Agency: {name}",
    "borrower.contacts.ok": "Kept the rules (hours, frequency, wording).",
    "borrower.contacts.breaches": (
        "{count} breaches of the collection rules; the regulator sees them as you do."
    ),
    "borrower.contacts.breaches.one": (
        "1 breach of the collection rules; the regulator sees it as you do."
    ),
    "borrower.rule.contact_hours": "Outside the allowed hours",
    "borrower.rule.contacts_per_day": "Too many contacts in a day",
    "borrower.rule.contacts_per_week": "Too many contacts in a week",
    "borrower.rule.forbidden_wording": "Forbidden wording",
    "borrower.channel.phone": "Phone",
    "borrower.channel.sms": "Text message",
    "borrower.channel.app": "App",
    "borrower.channel.email": "Email",
    "borrower.channel.visit": "Visit",
    "borrower.channel.letter": "Letter",
    "borrower.channel.other": "Other",
    "borrower.report.title": "Report this contact as improper",
    "borrower.report.text": "What happened",
    "borrower.report.submit": "Send the report",
    "borrower.report.done": (
        "Your report is recorded as evidence {id}; it is anchored on the chain and the case's "
        "members and the regulator see it."
    ),
    "borrower.report.error_text": "Say what happened (at most {max} characters).",
    "borrower.report.kind": "Your report of an improper contact",
    "borrower.evidence.title": "Every piece of evidence about your case",
    "borrower.evidence.none": "No evidence yet.",
    "borrower.evidence.receipt": "Download the receipt (JSON)",
    "borrower.evidence.certificate": "Download the certificate (PDF)",
    "borrower.evidence.recording_copy": (
        "To get a copy of the recording, ask the collection agency in writing, quoting "
        "evidence {id}."
    ),
    "borrower.type.call_recording": "Call recording",
    "borrower.type.signed_agreement": "Signed agreement",
    "borrower.type.visit_photo": "Visit photo",
    "borrower.type.message_log": "Message log",
    "borrower.type.audit_photo": "Audit photo",
    "borrower.type.other": "Other",
    "borrower.status.pending": "Pending",
    "borrower.status.anchored": "Anchored",
    "borrower.status.final": "Final",
    "borrower.verify.title": "Verify it yourself",
    "borrower.verify.explain": (
        "Anyone can check a file against its receipt and a chain node, without this service:"
    ),
    "borrower.verify.trust": "Trust root: chain id {chain}, evidence registry {registry}.",
}
