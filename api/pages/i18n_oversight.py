"""UI strings of the regulator pages (audit trail, verification, rule breaches, exports) and
of the case certificate link, merged into the catalogs of `api.pages.i18n`."""

from __future__ import annotations

EN: dict[str, str] = {
    "ovnav.label": "Oversight pages",
    "ovnav.overview": "Overview",
    "ovnav.trail": "Audit trail",
    "ovnav.verification": "Verification",
    "ovnav.breaches": "Rule breaches",
    "ovnav.exports": "Exports",
    "ovtools.title": "Audit tools",
    "ovtools.trail": (
        "The timeline of a vehicle, a case or a member, from the indexed chain events."
    ),
    "ovtools.verification": (
        "Check the service's database against the chain: every discrepancy, or that all "
        "checks passed."
    ),
    "ovtools.breaches": (
        "Collection rule breaches per day, and contacts by hour of day, for every collector."
    ),
    "ovtools.exports": "Download the signed export bundle of a range of days.",
    "trail.title": "Audit trail",
    "trail.explain": (
        "Every recorded step of a vehicle's liens, a case's evidence or a member's actions, in "
        "chain order, read from the service's index of the chain."
    ),
    "trail.kind": "Trail of",
    "trail.kinds.vehicle": "Vehicle (VIN)",
    "trail.kinds.case": "Case (case reference)",
    "trail.kinds.member": "Member (number or name)",
    "trail.q": "VIN, case reference or member",
    "trail.q_hint": (
        "A 17-character VIN (or 0x and the 64 hex digits of its hash), a case reference exactly "
        "as submitted, or a member's number or name."
    ),
    "trail.submit": "Show the trail",
    "trail.of": "Trail of {subject}",
    "trail.count": "{count} entries",
    "trail.count.one": "1 entry",
    "trail.indexed_through": "the index reaches block {block}",
    "trail.range": "Entries {first} to {last} of {total}.",
    "trail.next": "Next {count} entries",
    "trail.previous": "Previous entries",
    "trail.at": "Time",
    "trail.event": "Event",
    "trail.block": "Block and transaction",
    "trail.details": "Details",
    "trail.case_commitment": "Case commitment (what the records hold): {commitment}",
    "trail.addresses": "Addresses of the member: {addresses}",
    "trail.error.kind": "Choose a vehicle, a case or a member.",
    "trail.error.empty_vehicle": "Enter a VIN.",
    "trail.error.empty_case": "Enter a case reference.",
    "trail.error.empty_member": "Enter a member's number or name.",
    "trail.error.long": "That is too long: at most 200 characters.",
    "trail.error.vin_length": "“{vin}” is not a VIN: a VIN has 17 characters.",
    "trail.error.vin_forbidden_letter": (
        "“{vin}” is not a VIN: the letters I, O and Q never appear in one."
    ),
    "trail.error.vin_bad_character": "“{vin}” is not a VIN: only letters and digits are used.",
    "trail.error.vin_check_digit": "“{vin}” is not a VIN: its check digit (9th) does not match.",
    "trail.error.no_vehicle": "No lien event of vehicle {vin} is recorded.",
    "trail.error.no_case": "No evidence of case “{case}” is recorded.",
    "trail.error.no_member": "There is no member “{member}”.",
    "auditrun.title": "Audit verification",
    "auditrun.explain": (
        "Checks the service's database against the chain, as “autoledger audit verify” and "
        "GET /v1/audit/verify do: every stored event against the chain's logs, every evidence "
        "item against its record and file, every batch against its anchored root, and the "
        "evidence log for append-only growth. Takes a few seconds."
    ),
    "auditrun.checkpoint": "Checkpoint from an earlier report (optional)",
    "auditrun.checkpoint_hint": (
        "SIZE:ROOT of the evidence log as an earlier run showed it; the log must extend it."
    ),
    "auditrun.run": "Run the verification now",
    "auditrun.result": "Last run",
    "auditrun.never": "The verification has not been run since the service started.",
    "auditrun.passed": "All checks passed: the database matches the chain.",
    "auditrun.failed": "{count} discrepancies found: the database does not match the chain.",
    "auditrun.failed.one": "1 discrepancy found: the database does not match the chain.",
    "auditrun.ran_at": "Ran at",
    "auditrun.ran_by": "Run by",
    "auditrun.seconds": "took {seconds} s",
    "auditrun.chain": "Chain",
    "auditrun.latest_block": "latest block {block}",
    "auditrun.indexed": "Indexed through block",
    "auditrun.events": "Events",
    "auditrun.events_figures": "{stored} stored, {on_chain} on chain",
    "auditrun.items": "Evidence",
    "auditrun.items_figures": "{items} items, {blobs} files checked, {forgotten} forgotten",
    "auditrun.batches": "Anchored batches checked",
    "auditrun.log": "Evidence log (size:root)",
    "auditrun.checked_against": "Checkpoint checked",
    "auditrun.log_hint": "Note the evidence log's size:root: a later run can check against it.",
    "auditrun.discrepancies": "Discrepancies",
    "auditrun.check": "Check",
    "auditrun.kind": "What is wrong",
    "auditrun.where": "Where",
    "auditrun.expected": "Expected (chain)",
    "auditrun.found": "Found (database)",
    "auditrun.error.checkpoint": (
        "Enter the checkpoint as SIZE:ROOT, e.g. 12:3f5a… (64 hex digits)."
    ),
    "oversight_form.from": "From (day, UTC)",
    "oversight_form.to": "To (day, UTC, included)",
    "oversight_form.error.date": "Enter a day like 2026-11-30.",
    "oversight_form.error.order": "The last day is before the first day.",
    "oversight_form.error.required": "Enter a day.",
    "breach.title": "Rule breaches",
    "breach.explain": (
        "Contacts of every collection agency checked against the collection rules: breaches "
        "per day and contacts by hour of the debtor's local day."
    ),
    "breach.range": "Days to show",
    "breach.show": "Show",
    "breach.all_time": "All days",
    "breach.totals": "Totals",
    "breach.total_violations": "breaches",
    "breach.total_contacts": "contacts",
    "breach.rules_in_force": "Rules in force: {version}; contact hours {start}–{end}.",
    "breach.per_day": "Breaches over time",
    "breach.per_day_title": "Rule breaches per day (debtor's local day)",
    "breach.per_day_desc": (
        "Bar chart: {total} breaches over {days} days; the table below lists them."
    ),
    "breach.day": "Day",
    "breach.unit_breaches": "breaches",
    "breach.data_table": "The figures as a table",
    "breach.all_rules": "All rules",
    "breach.none": "No breaches in these days.",
    "breach.by_hour": "Contacts by hour of day",
    "breach.by_hour_explain": (
        "Hours outside the contact hours ({start}–{end}) are drawn in red: every contact there "
        "is a breach."
    ),
    "breach.by_hour_title": "Contacts by hour of the debtor's local day",
    "breach.by_hour_desc": (
        "Bar chart of 24 hours: {total} contacts; hours outside {start}–{end} are marked. The "
        "table below lists them."
    ),
    "breach.hour": "Hour",
    "breach.unit_contacts": "contacts",
    "breach.contacts": "Contacts",
    "breach.allowed": "Contact hours",
    "breach.outside": "outside",
    "breach.inside": "within",
    "breach.list": "{count} breaches",
    "breach.list.one": "1 breach",
    "breach.list_truncated": "The newest {shown} of {total} are listed.",
    "breach.contact_time": "Contact time",
    "breach.rule": "Rule",
    "breach.collector": "Collector",
    "breach.debtor": "Debtor (commitment)",
    "breach.detail": "Detail",
    "breach.local_date": "debtor's day {day}",
    "rule.contact_hours": "Contact hours",
    "rule.contacts_per_day": "Contacts per day",
    "rule.contacts_per_week": "Contacts per week",
    "rule.forbidden_wording": "Forbidden wording",
    "export.title": "Export bundle",
    "export.explain": (
        "A zip of everything recorded in a range of days, signed by the operator: it verifies "
        "offline and against any node of the chain, without this service."
    ),
    "export.download": "Download the bundle",
    "export.contents": "What the bundle holds",
    "export.events": "every indexed chain event, by block time",
    "export.batches": "the anchored evidence batches, with the evidence log's size and root",
    "export.receipts": "the signed receipt of every item anchored in those days",
    "export.violations": "the collection rule breaches, by contact time",
    "export.manifest": "the SHA-256 of every file, signed (EIP-191) by the operator",
    "export.verify_hint": "Check a bundle without this service:",
    "casecert.link": "Download the certificate of the whole case (PDF, 存证证书)",
    "casecert.explain": (
        "One PDF with every anchored item of case “{case}” that you may see: a summary table, "
        "then each item's certificate with its own QR receipt."
    ),
    "casecert.error.pending": (
        "None of this case's evidence is anchored yet: the case certificate holds anchored "
        "items only. Try again in a few seconds."
    ),
    "casecert.error.too_large": (
        "This case has more anchored items than one certificate holds (200): download the "
        "items' own certificates."
    ),
    "nav.collections": "Collections",
    "ovnav.exposure": "Exposure",
    "ovnav.alerts": "Alerts",
    "ovtools.exposure": "Principal outstanding per lender and per dealer over every line.",
    "ovtools.alerts": "Every alert raised on chain and not resolved since, on every line.",
    "ovexposure.title": "Exposure",
    "ovexposure.explain": (
        "What each lender has outstanding to its dealers and what each dealer owes "
        "its lenders, over every credit line, replayed from the indexed chain events."
    ),
    "ovexposure.as_of": "As of block {block} (the indexer's mirror of the chain).",
    "ovexposure.lenders": "Per lender",
    "ovexposure.dealers": "Per dealer",
    "ovexposure.member": "Member",
    "ovexposure.lines": "Lines",
    "ovexposure.limit": "Limits",
    "ovexposure.outstanding": "Principal outstanding",
    "ovexposure.liens": "Active liens",
    "ovexposure.none": "No credit line has been opened yet.",
    "ovalerts.title": "Alerts",
    "ovalerts.explain": (
        "Alerts raised on chain (sold out of trust, missing in an audit, curtailments "
        "overdue, receipts not confirmed in time, certificate mismatches, lines "
        "frozen by an audit) and not resolved since, newest first."
    ),
    "ovalerts.kind": "Kind",
    "ovalerts.all_kinds": "All kinds",
    "ovalerts.show": "Show",
    "ovalerts.caption": "{count} open alerts (showing {shown})",
    "ovalerts.caption.one": "1 open alert",
    "ovalerts.parties": "Lender → dealer",
    "ovalerts.block": "Block",
    "ovalerts.none": "No open alert.",
    "collections.title": "Collections",
    "collections.explain": (
        "Your organisation's recorded collection contacts and the rule breaches "
        "found in them. Rules {version}: contacts between {start} and {end} debtor "
        "time, at most {per_day} a day and {per_week} in 7 days per debtor, no "
        "forbidden wording."
    ),
    "collections.evidence_link": "Your evidence (recordings, agreements, visit photos) →",
    "collections.breaches": "Rule breaches",
    "collections.breaches_caption": "{count} breaches",
    "collections.breaches_caption.one": "1 breach",
    "collections.breaches_pages": "Pages of rule breaches",
    "collections.no_breaches": "No rule breach in your contacts.",
    "collections.contacts": "Contacts",
    "collections.contacts_caption": "{count} contacts",
    "collections.contacts_caption.one": "1 contact",
    "collections.contacts_pages": "Pages of contacts",
    "collections.no_contacts": (
        "No contact recorded yet (POST /v1/contacts, or autoledger stamp with the contact fields)."
    ),
    "collections.contact": "Contact time",
    "collections.local_time": "Debtor's time",
    "collections.local": "{day}, hour {hour} ({zone})",
    "collections.channel": "Channel",
    "collections.breach_count": "Breaches",
    "collections.evidence": "Evidence",
    "collections.evidence_item": "Open",
    "channel.phone": "phone",
    "channel.sms": "SMS",
    "channel.app": "app",
    "channel.email": "email",
    "channel.visit": "visit",
    "channel.letter": "letter",
    "channel.other": "other",
}

ZH: dict[str, str] = {
    "ovnav.label": "监管页面",
    "ovnav.overview": "总览",
    "ovnav.trail": "审计轨迹",
    "ovnav.verification": "审计核验",
    "ovnav.breaches": "违规情况",
    "ovnav.exports": "导出",
    "ovtools.title": "审计工具",
    "ovtools.trail": "车辆、案件或成员的时间线，依据已索引的链上事件。",
    "ovtools.verification": (
        "将本服务的数据库与链上数据核对：列出每一处不一致，或确认全部检查通过。"
    ),
    "ovtools.breaches": "全体催收机构每日的催收规则违规情况，以及按时段统计的联系次数。",
    "ovtools.exports": "下载指定日期范围的已签名导出包。",
    "trail.title": "审计轨迹",
    "trail.explain": (
        "车辆的抵押权、案件的证据或成员的操作的每一步记录，按链上顺序排列，读取自本服务的链上索引。"
    ),
    "trail.kind": "查询对象",
    "trail.kinds.vehicle": "车辆（车架号 VIN）",
    "trail.kinds.case": "案件（案件编号）",
    "trail.kinds.member": "成员（编号或名称）",
    "trail.q": "车架号、案件编号或成员",
    "trail.q_hint": (
        "17 位车架号（或 0x 加其哈希的 64 位十六进制数）、与提交时完全一致的案件编号，"
        "或成员的编号或名称。"
    ),
    "trail.submit": "显示轨迹",
    "trail.of": "{subject} 的轨迹",
    "trail.count": "共 {count} 条记录",
    "trail.indexed_through": "索引已到区块 {block}",
    "trail.range": "第 {first} 至 {last} 条，共 {total} 条。",
    "trail.next": "后 {count} 条",
    "trail.previous": "前一页",
    "trail.at": "时间",
    "trail.event": "事件",
    "trail.block": "区块与交易",
    "trail.details": "详情",
    "trail.case_commitment": "案件承诺值（记录中保存的内容）：{commitment}",
    "trail.addresses": "该成员的地址：{addresses}",
    "trail.error.kind": "请选择车辆、案件或成员。",
    "trail.error.empty_vehicle": "请输入车架号。",
    "trail.error.empty_case": "请输入案件编号。",
    "trail.error.empty_member": "请输入成员的编号或名称。",
    "trail.error.long": "内容过长：最多 200 个字符。",
    "trail.error.vin_length": "“{vin}”不是有效的车架号：车架号为 17 位。",
    "trail.error.vin_forbidden_letter": "“{vin}”不是有效的车架号：车架号中不使用字母 I、O、Q。",
    "trail.error.vin_bad_character": "“{vin}”不是有效的车架号：只能包含字母和数字。",
    "trail.error.vin_check_digit": "“{vin}”不是有效的车架号：第 9 位校验位不符。",
    "trail.error.no_vehicle": "没有车辆 {vin} 的抵押权事件记录。",
    "trail.error.no_case": "没有案件“{case}”的证据记录。",
    "trail.error.no_member": "没有成员“{member}”。",
    "auditrun.title": "审计核验",
    "auditrun.explain": (
        "将本服务的数据库与链上数据核对，与“autoledger audit verify”和 GET /v1/audit/verify "
        "相同：每个已存事件对照链上日志，每件证据对照其记录与文件，每个批次对照链上锚定的根，"
        "并检查证据日志只增不改。需要数秒。"
    ),
    "auditrun.checkpoint": "此前报告中的检查点（可选）",
    "auditrun.checkpoint_hint": "此前运行所示证据日志的 大小:根；当前日志必须是它的延续。",
    "auditrun.run": "立即运行核验",
    "auditrun.result": "最近一次运行",
    "auditrun.never": "服务启动以来尚未运行核验。",
    "auditrun.passed": "全部检查通过：数据库与链上数据一致。",
    "auditrun.failed": "发现 {count} 处不一致：数据库与链上数据不符。",
    "auditrun.ran_at": "运行时间",
    "auditrun.ran_by": "运行者",
    "auditrun.seconds": "耗时 {seconds} 秒",
    "auditrun.chain": "链",
    "auditrun.latest_block": "最新区块 {block}",
    "auditrun.indexed": "索引已到区块",
    "auditrun.events": "事件",
    "auditrun.events_figures": "已存 {stored} 个，链上 {on_chain} 个",
    "auditrun.items": "证据",
    "auditrun.items_figures": "证据 {items} 件，已核对文件 {blobs} 个，已遗忘 {forgotten} 件",
    "auditrun.batches": "已核对的锚定批次",
    "auditrun.log": "证据日志（大小:根）",
    "auditrun.checked_against": "已核对的检查点",
    "auditrun.log_hint": "请记下证据日志的 大小:根，以后的核验可以据此检查。",
    "auditrun.discrepancies": "不一致之处",
    "auditrun.check": "检查项",
    "auditrun.kind": "问题",
    "auditrun.where": "位置",
    "auditrun.expected": "应为（链上）",
    "auditrun.found": "实为（数据库）",
    "auditrun.error.checkpoint": (
        "请按 大小:根 的格式输入检查点，例如 12:3f5a…（64 位十六进制数）。"
    ),
    "oversight_form.from": "起始日（UTC）",
    "oversight_form.to": "截止日（UTC，含当日）",
    "oversight_form.error.date": "请输入日期，例如 2026-11-30。",
    "oversight_form.error.order": "截止日早于起始日。",
    "oversight_form.error.required": "请输入日期。",
    "breach.title": "违规情况",
    "breach.explain": (
        "全体催收机构的联系记录均按催收规则检查：按日统计违规，并按债务人当地时段统计联系次数。"
    ),
    "breach.range": "显示的日期",
    "breach.show": "显示",
    "breach.all_time": "全部日期",
    "breach.totals": "合计",
    "breach.total_violations": "次违规",
    "breach.total_contacts": "次联系",
    "breach.rules_in_force": "现行规则：{version}；允许联系时段 {start}–{end}。",
    "breach.per_day": "违规趋势",
    "breach.per_day_title": "每日违规次数（债务人当地日期）",
    "breach.per_day_desc": "柱状图：{days} 天内共 {total} 次违规；下表列出具体数字。",
    "breach.day": "日期",
    "breach.unit_breaches": "次违规",
    "breach.data_table": "以表格显示数据",
    "breach.all_rules": "全部规则",
    "breach.none": "这些日期内没有违规。",
    "breach.by_hour": "按时段统计的联系次数",
    "breach.by_hour_explain": (
        "允许联系时段（{start}–{end}）以外的时段以红色显示：其中每次联系都是违规。"
    ),
    "breach.by_hour_title": "按债务人当地时段统计的联系次数",
    "breach.by_hour_desc": (
        "24 小时柱状图：共 {total} 次联系；{start}–{end} 以外的时段已标出。下表列出具体数字。"
    ),
    "breach.hour": "时段",
    "breach.unit_contacts": "次联系",
    "breach.contacts": "联系次数",
    "breach.allowed": "允许联系时段",
    "breach.outside": "时段外",
    "breach.inside": "时段内",
    "breach.list": "共 {count} 次违规",
    "breach.list_truncated": "列出最新的 {shown} 次，共 {total} 次。",
    "breach.contact_time": "联系时间",
    "breach.rule": "规则",
    "breach.collector": "催收机构",
    "breach.debtor": "债务人（承诺值）",
    "breach.detail": "详情",
    "breach.local_date": "债务人当地日期 {day}",
    "rule.contact_hours": "联系时段",
    "rule.contacts_per_day": "每日联系次数",
    "rule.contacts_per_week": "每周联系次数",
    "rule.forbidden_wording": "禁用措辞",
    "export.title": "导出包",
    "export.explain": (
        "指定日期范围内全部记录的 ZIP 压缩包，由运营方签名："
        "无需本服务，即可离线或对照任一链节点验证。"
    ),
    "export.download": "下载导出包",
    "export.contents": "导出包内容",
    "export.events": "全部已索引的链上事件，按区块时间",
    "export.batches": "已锚定的证据批次，以及证据日志的大小与根",
    "export.receipts": "这些日期内锚定的每件证据的签名回执",
    "export.violations": "催收规则违规记录，按联系时间",
    "export.manifest": "每个文件的 SHA-256，由运营方签名（EIP-191）",
    "export.verify_hint": "无需本服务即可验证导出包：",
    "casecert.link": "下载整个案件的存证证书（PDF）",
    "casecert.explain": (
        "一个 PDF，包含您可查看的案件“{case}”的全部已锚定证据：先是汇总表，"
        "然后是每件证据各自的证书及其回执二维码。"
    ),
    "casecert.error.pending": "此案件的证据均尚未锚定：案件证书只收录已锚定的证据。请数秒后重试。",
    "casecert.error.too_large": (
        "此案件的已锚定证据超过一份证书可容纳的数量（200 件），请分别下载各件证据的证书。"
    ),
    "nav.collections": "催收",
    "ovnav.exposure": "敞口",
    "ovnav.alerts": "预警",
    "ovtools.exposure": "全部授信额度上，按贷款方、按经销商统计的未偿本金。",
    "ovtools.alerts": "链上发出且尚未解除的全部预警。",
    "ovexposure.title": "敞口",
    "ovexposure.explain": (
        "全部授信额度上各贷款方对经销商的未偿本金、各经销商对贷款方的欠款，依据已索引的链上事"
        "件回放得出。"
    ),
    "ovexposure.as_of": "截至区块 {block}（索引器的链上镜像）。",
    "ovexposure.lenders": "按贷款方",
    "ovexposure.dealers": "按经销商",
    "ovexposure.member": "成员",
    "ovexposure.lines": "额度数",
    "ovexposure.limit": "额度合计",
    "ovexposure.outstanding": "未偿本金",
    "ovexposure.liens": "有效质押",
    "ovexposure.none": "尚未开立任何授信额度。",
    "ovalerts.title": "预警",
    "ovalerts.explain": (
        "链上发出且尚未解除的预警（违规售车、盘库缺车、分期还本逾期、未按期确认收车、合格证不"
        "符、盘库导致额度冻结），最新的在前。"
    ),
    "ovalerts.kind": "类型",
    "ovalerts.all_kinds": "全部类型",
    "ovalerts.show": "显示",
    "ovalerts.caption": "共 {count} 条未解除预警（显示 {shown} 条）",
    "ovalerts.caption.one": "1 条未解除预警",
    "ovalerts.parties": "贷款方 → 经销商",
    "ovalerts.block": "区块",
    "ovalerts.none": "没有未解除的预警。",
    "collections.title": "催收",
    "collections.explain": (
        "贵机构已记录的催收联系及其中发现的违规。规则 {version}：联系时间须在债务人当地 {star"
        "t} 至 {end} 之间，每名债务人每"
        "天最多 {per_day} 次、7 天内最多 {per_week} 次，不得使用禁用语。"
    ),
    "collections.evidence_link": "贵机构的证据（录音、协议、走访照片）→",
    "collections.breaches": "违规情况",
    "collections.breaches_caption": "共 {count} 条违规",
    "collections.breaches_caption.one": "1 条违规",
    "collections.breaches_pages": "违规分页",
    "collections.no_breaches": "贵机构的联系中没有违规。",
    "collections.contacts": "联系记录",
    "collections.contacts_caption": "共 {count} 次联系",
    "collections.contacts_caption.one": "1 次联系",
    "collections.contacts_pages": "联系记录分页",
    "collections.no_contacts": (
        "尚无联系记录（通过 POST /v1/contacts 或带联系字段的 autoledger stamp 提交）。"
    ),
    "collections.contact": "联系时间",
    "collections.local_time": "债务人当地时间",
    "collections.local": "{day}，{hour} 时（{zone}）",
    "collections.channel": "渠道",
    "collections.breach_count": "违规数",
    "collections.evidence": "证据",
    "collections.evidence_item": "打开",
    "channel.phone": "电话",
    "channel.sms": "短信",
    "channel.app": "应用",
    "channel.email": "电子邮件",
    "channel.visit": "上门",
    "channel.letter": "信函",
    "channel.other": "其他",
}
