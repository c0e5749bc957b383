"""UI strings of the web pages, one catalog per language (English and Simplified Chinese).

A string is looked up by key and filled with `str.format` fields (``{name}``). Where a string
depends on a number, the catalog may hold ``<key>.one`` for a `count` of 1. Both catalogs must
hold the same keys (a test checks it, and that every key a template uses exists).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh-CN")
"""Supported languages, as `<html lang>` spells them."""

Translator = Callable[..., str]

EN: dict[str, str] = {
    "app.tagline": "Evidence and dealer-financing ledger",
    "app.footer": (
        "AutoLedger — evidence is anchored on the consortium chain; receipts verify without "
        "this service. Times are shown in {zone} ({offset}); exports keep UTC."
    ),
    "app.as_of_block": "As of block {block} of the chain",
    "nav.skip": "Skip to main content",
    "nav.label": "Main",
    "nav.language": "Language",
    "nav.home": "Home",
    "nav.evidence": "Evidence",
    "nav.oversight": "Oversight",
    "nav.members": "Members",
    "nav.sign_out": "Sign out",
    "form.errors": "There is a problem",
    "sign_in.title": "Sign in",
    "sign_in.explain": (
        "Sign in with your organisation's AutoLedger API key. It is checked against the key "
        "register and your membership on the consortium chain; the page then acts as your "
        "organisation until you sign out (at most 8 hours)."
    ),
    "sign_in.api_key": "API key",
    "sign_in.api_key_hint": (
        "Starts with al_. Your administrator makes one with “autoledger apikey create”."
    ),
    "sign_in.submit": "Sign in",
    "sign_in.error.empty": "Enter your API key.",
    "sign_in.error.unknown": "This API key is unknown or has been revoked.",
    "sign_in.error.inactive": "Your organisation's membership is {status}: it cannot sign in.",
    "sign_in.signed_out": "You are signed out.",
    "sign_in.ended": (
        "Your session ended: the API key was revoked or the membership is no longer active."
    ),
    "home.title": "Home",
    "home.welcome": "Welcome, {name}",
    "home.roles": "Your roles in the consortium:",
    "home.no_roles": "none",
    "home.read_only": "You have read-only access: you can look at everything, change nothing.",
    "home.can_do": "What you can do here",
    "home.card.evidence": "Evidence",
    "home.card.evidence_all": (
        "Search every member's evidence by case, check a file against its record in your "
        "browser, download receipts and certificates."
    ),
    "home.card.evidence_own": (
        "Search the evidence your organisation submitted, check a file against its record, "
        "download receipts and certificates."
    ),
    "home.card.oversight": "Oversight",
    "home.card.oversight_text": (
        "Members with their status and roles; evidence of all members counted by status."
    ),
    "home.card.members": "Consortium members",
    "home.card.members_text": "Who is in the consortium, in which roles, and their status.",
    "members.title": "Consortium members",
    "members.explain": "As the consortium contract on chain records them, read just now.",
    "members.caption": "{count} members",
    "members.caption.one": "1 member",
    "members.id": "No.",
    "members.name": "Member",
    "members.roles": "Roles",
    "members.status": "Status",
    "members.address": "Address",
    "member_status.none": "unknown",
    "member_status.active": "active",
    "member_status.suspended": "suspended",
    "member_status.removed": "removed",
    "role.LENDER": "Lender",
    "role.DEALER": "Dealer",
    "role.COLLECTOR": "Collector",
    "role.LEGAL": "Legal",
    "role.REGULATOR": "Regulator",
    "role.NOTARY": "Notary",
    "role.AUDITOR": "Auditor",
    "role.SETTLEMENT_BANK": "Settlement bank",
    "role.OPERATOR": "Operator",
    "role.GOVERNOR": "Governor",
    "status.pending": "Pending",
    "status.anchored": "Anchored",
    "status.final": "Final",
    "type.call_recording": "Call recording",
    "type.signed_agreement": "Signed agreement",
    "type.visit_photo": "Visit photo",
    "type.message_log": "Message log",
    "type.audit_photo": "Audit photo",
    "type.other": "Other",
    "search.title": "Search evidence",
    "search.explain_all": "Evidence of every member. The case reference is matched exactly.",
    "search.explain_own": (
        "Evidence your organisation submitted. The case reference is matched exactly."
    ),
    "search.case": "Case reference",
    "search.type": "Type",
    "search.status": "Status",
    "search.from": "Submitted from (date)",
    "search.to": "Submitted until (date, included)",
    "search.submitter": "Submitted by",
    "search.any": "Any",
    "search.submit": "Search",
    "search.clear": "Clear",
    "search.results": "{count} items found",
    "search.results.one": "1 item found",
    "search.none": "No evidence matches.",
    "search.pages": "Result pages",
    "search.prev": "Previous page",
    "search.next": "Next page",
    "search.showing": "Items {first} to {last} of {total}",
    "search.error.date": "Enter a date like 2026-11-30.",
    "search.error.order": "The end date is before the start date.",
    "search.error.choice": "Choose one of the listed values.",
    "evidence.id": "Evidence id",
    "evidence.type": "Type",
    "evidence.status": "Status",
    "evidence.submitted_at": "Submitted at",
    "evidence.submitter": "Submitted by",
    "evidence.file": "File name",
    "evidence.digest_only": "(digest only: the file stayed with the submitter)",
    "evidence.digest": "Document digest (SHA-256)",
    "evidence.size": "Size",
    "evidence.bytes": "{count} bytes",
    "evidence.media_type": "Media type",
    "evidence.case_commitment": "Case commitment",
    "evidence.contact_time": "Contact time",
    "evidence.channel": "Channel",
    "evidence.device": "Device",
    "evidence.superseded_by": "Superseded by",
    "evidence.forgotten": "Personal data forgotten at",
    "detail.back": "← Back to the evidence search",
    "detail.title": "Evidence",
    "detail.explain.pending": (
        "Accepted and waiting for its anchoring batch: the receipt and certificate follow "
        "within seconds."
    ),
    "detail.explain.anchored": (
        "Anchored on chain; it becomes final once the chain's finality depth has passed."
    ),
    "detail.explain.final": "Anchored on chain and final.",
    "detail.downloads": "Receipt and certificate",
    "detail.receipt_json": "Download the receipt (JSON)",
    "detail.certificate_pdf": "Download the certificate (PDF, 存证证书)",
    "detail.cli_hint": "Verify the receipt without this service:",
    "trust.title": "Trust root",
    "trust.explain": (
        "A receipt holds only through the BatchAnchored event of the consortium's own "
        "EvidenceRegistry. Anyone can deploy a contract, so a third party pins these addresses "
        "(or the trust file) instead of trusting the contract a receipt names; without them "
        "autoledger verify never says verified."
    ),
    "trust.chain_id": "Chain id",
    "trust.consortium": "Consortium contract",
    "trust.registry": "EvidenceRegistry contract",
    "trust.download": "Download the trust file (consortium.json)",
    "trust.command": "The command a third party runs:",
    "detail.pending_downloads": "Available once the item is anchored.",
    "detail.item": "The item",
    "detail.anchoring": "Anchoring",
    "detail.proof": "Merkle proof and signature",
    "detail.record": "The record (the Merkle leaf)",
    "detail.record_explain": (
        "What the notary attests, exactly as hashed into the Merkle tree (RFC 8785 canonical "
        "JSON, shown indented). The case reference appears only as a commitment."
    ),
    "anchor.block_time": "Anchored at (block time)",
    "anchor.tx_hash": "Transaction",
    "anchor.block_number": "Block",
    "anchor.block_hash": "Block hash",
    "anchor.chain_id": "Chain id",
    "anchor.contract": "Evidence contract",
    "proof.leaf_index": "Leaf index",
    "proof.tree_size": "Tree size",
    "proof.leaf_hash": "Leaf hash",
    "proof.audit_path": "Audit path",
    "proof.empty_path": "(empty: the batch held this item only)",
    "proof.root": "Root",
    "proof.signer": "Notary",
    "proof.signature": "Notary signature",
    "checks.title": "Proof checks",
    "checks.explain": (
        "The service just re-checked the receipt against the chain, as anyone can with "
        "“autoledger verify”. The document itself is checked above, in your browser."
    ),
    "checks.check": "Check",
    "checks.result": "Result",
    "checks.detail": "Detail",
    "check_detail.no_trust_root": (
        "no trust root: nothing pins whose contract the anchor is, so the receipt proves "
        "nothing about who issued it (give the consortium's EvidenceRegistry address or "
        "its trust file)"
    ),
    "check_detail.pinned": "anchored by the pinned EvidenceRegistry {registry} on chain {chain}",
    "check_detail.pinned_any_chain": (
        "anchored by the pinned EvidenceRegistry {registry} on the node's chain"
    ),
    "check_detail.not_pinned": (
        "the anchor names contract {contract}, not the pinned EvidenceRegistry {registry}"
    ),
    "check_detail.other_chain": "the anchor is on chain {chain}, the trust root on {expected}",
    "check_detail.batch_anchored": (
        "BatchAnchored log {log} of registry {registry}: root {root}, log size {size}, "
        "notary {signer}"
    ),
    "check_detail.digest_anchored": (
        "DigestAnchored log {log} of registry {registry}: {root}, notary {signer}"
    ),
    "check_detail.unsigned_anchor": (
        "the receipt is not signed, so no notary can match the anchoring event"
    ),
    "breach_detail.contact_hours": (
        "contact at {time} {zone} ({day}) is outside the allowed hours {start}–{end}"
    ),
    "breach_detail.per_day": (
        "contact no. {count} with this debtor on {day} ({zone}); at most {most} a day are allowed"
    ),
    "breach_detail.per_week": (
        "contact no. {count} with this debtor from {first} to {day} ({zone}); at most {most} "
        "in {days} days are allowed"
    ),
    "breach_detail.wording": "forbidden phrase {phrase} ({lang}) at characters {start}–{end}",
    "check_detail.no_rpc": "no JSON-RPC URL given",
    "check_detail.no_document": "no document given",
    "check_detail.no_record": "no valid record to compare with (see the leaf check)",
    "check_detail.no_record_to_place": "no valid record to place (see the leaf check)",
    "check_detail.digest_differs": "the document hashes to {digest}, the record says {record}",
    "check_detail.digest": "the document hashes to {digest}",
    "check_detail.leaf": "leaf hash {hash} over {size} canonical bytes",
    "check_detail.inclusion": "leaf {index} of {size} leads to root {root}",
    "check_detail.inclusion_differs": "the audit path leads to {computed}, not to root {root}",
    "check_detail.unsigned": "the receipt is not signed",
    "check_detail.signed": "signed by {signer}",
    "check_detail.signed_by_other": "signed by {signer}, not by the expected notary {expected}",
    "check_detail.recovers_to_other": (
        "the signature recovers to {recovered}, not to the signer {signer}"
    ),
    "check_detail.chain": "chain {chain}",
    "check_detail.chain_differs": "the node is on chain {chain}, the receipt says {expected}",
    "check_detail.transaction": "transaction {tx} succeeded in block {block}",
    "check_detail.root_in_log": "root {root} is in log {log} of {contract}",
    "check_detail.root_in_a_log": "root {root} is in a log of {contract}",
    "check_detail.root_missing": "no log of {contract} in transaction {tx} holds root {root}",
    "check_detail.block_time": "block {block} is from {time}",
    "check_detail.block_time_differs": "block {block} is from {time}, not {expected}",
    "check_detail.tx_missing": "transaction {tx} is not on the node's chain",
    "check_detail.block_missing": "block {block} is not on the node's chain",
    "checks.ok": "passed",
    "checks.failed": "FAILED",
    "checks.skipped": "not run",
    "check.digest": "Document digest",
    "check.leaf": "Record (leaf)",
    "check.inclusion": "Merkle inclusion",
    "check.signature": "Notary signature",
    "check.trust_root": "Pinned registry (trust root)",
    "check.chain_id": "Chain id",
    "check.transaction": "Transaction and block",
    "check.anchored_root": "Root anchored",
    "check.block_time": "Block time",
    "verify.title": "Check a file against this record",
    "verify.explain": (
        "Pick or drop the file you hold. Your browser computes its SHA-256 and compares it "
        "with the record: the file never leaves your computer."
    ),
    "verify.pick": "Choose a file to check",
    "verify.drop": "…or drop it here",
    "verify.hashing": "Computing SHA-256 of",
    "verify.match": "Match",
    "verify.match_detail": "This file is exactly the notarized document, byte for byte.",
    "verify.mismatch": "Mismatch",
    "verify.mismatch_detail": (
        "This file differs from the notarized document: it is another file, or it was changed."
    ),
    "verify.computed": "This file:",
    "verify.expected": "The record:",
    "verify.insecure": (
        "This browser offers hashing only on secure (https) pages. Open the page over https, "
        "or use “autoledger verify”."
    ),
    "verify.too_big": (
        "This file is larger than 1 GiB, too large to hash in the browser; use “autoledger verify”."
    ),
    "verify.failed": "The file could not be read:",
    "verify.checked_registry": "Anchor checked against the EvidenceRegistry:",
    "verify.checked_notary": "Notary (signer of the receipt and of the BatchAnchored event):",
    "oversight.title": "Oversight",
    "oversight.explain": (
        "Read-only view across all members: membership as the chain records it, and evidence "
        "by status."
    ),
    "oversight.totals": "Evidence by status",
    "oversight.all": "All",
    "oversight.members": "Members and their evidence",
    "oversight.recent": "Newest evidence",
    "oversight.search_all": "Search all evidence",
    "error.title": "This page cannot be shown",
    "error.home": "Go to the home page",
    "error.csrf": (
        "The form was not accepted: it expired or did not come from this site. Go back, "
        "reload the page and try again."
    ),
    "error.forbidden": "Your organisation's roles do not open this page.",
    "error.not_found": "There is nothing here, or nothing your organisation may see.",
    "error.pending": (
        "This evidence item is not anchored yet: its receipt and certificate are issued once "
        "it is. Try again in a few seconds."
    ),
    "error.internal": "Something went wrong on our side; the server log has the details.",
    "error.method": (
        "This address does not take that kind of request: it is the target of a form. "
        "Go back to the page the form is on."
    ),
    "error.bad_request": "This address is not right: a part of it is not what the page expects.",
}

ZH: dict[str, str] = {
    "app.tagline": "存证与经销商融资账本",
    "app.footer": (
        "AutoLedger — 证据锚定于联盟链；回执无需本服务即可验证。"
        "页面时间为 {zone}（{offset}），导出文件使用 UTC。"
    ),
    "app.as_of_block": "数据截至链上区块 {block}",
    "nav.skip": "跳到正文",
    "nav.label": "主导航",
    "nav.language": "语言",
    "nav.home": "首页",
    "nav.evidence": "证据",
    "nav.oversight": "监管",
    "nav.members": "成员",
    "nav.sign_out": "退出登录",
    "form.errors": "请更正以下问题",
    "sign_in.title": "登录",
    "sign_in.explain": (
        "请使用贵机构的 AutoLedger API 密钥登录。系统会核对密钥登记及贵机构在联盟链上的成员"
        "身份；登录后本页面即代表贵机构操作，直至退出（最长 8 小时）。"
    ),
    "sign_in.api_key": "API 密钥",
    "sign_in.api_key_hint": "以 al_ 开头。可请管理员用“autoledger apikey create”生成。",
    "sign_in.submit": "登录",
    "sign_in.error.empty": "请输入 API 密钥。",
    "sign_in.error.unknown": "此 API 密钥不存在或已被吊销。",
    "sign_in.error.inactive": "贵机构的成员身份为“{status}”，无法登录。",
    "sign_in.signed_out": "您已退出登录。",
    "sign_in.ended": "会话已结束：API 密钥已被吊销，或成员身份已失效。",
    "home.title": "首页",
    "home.welcome": "欢迎，{name}",
    "home.roles": "您在联盟中的角色：",
    "home.no_roles": "无",
    "home.read_only": "您拥有只读权限：可查看全部内容，但不能作任何更改。",
    "home.can_do": "您可以在此",
    "home.card.evidence": "证据",
    "home.card.evidence_all": (
        "按案件检索所有成员的证据，在浏览器中核对文件与存证记录，下载回执与存证证书。"
    ),
    "home.card.evidence_own": "检索贵机构提交的证据，核对文件与存证记录，下载回执与存证证书。",
    "home.card.oversight": "监管",
    "home.card.oversight_text": "各成员的状态与角色；全体成员的证据按状态统计。",
    "home.card.members": "联盟成员",
    "home.card.members_text": "联盟中有哪些成员、担任何种角色及其状态。",
    "members.title": "联盟成员",
    "members.explain": "以链上联盟合约的记录为准，刚刚读取。",
    "members.caption": "共 {count} 个成员",
    "members.id": "编号",
    "members.name": "成员",
    "members.roles": "角色",
    "members.status": "状态",
    "members.address": "地址",
    "member_status.none": "未知",
    "member_status.active": "正常",
    "member_status.suspended": "已暂停",
    "member_status.removed": "已移除",
    "role.LENDER": "贷款方",
    "role.DEALER": "经销商",
    "role.COLLECTOR": "催收机构",
    "role.LEGAL": "法务",
    "role.REGULATOR": "监管机构",
    "role.NOTARY": "公证方",
    "role.AUDITOR": "审计方",
    "role.SETTLEMENT_BANK": "结算银行",
    "role.OPERATOR": "运营方",
    "role.GOVERNOR": "治理方",
    "status.pending": "待锚定",
    "status.anchored": "已锚定",
    "status.final": "已确认",
    "type.call_recording": "通话录音",
    "type.signed_agreement": "签署协议",
    "type.visit_photo": "外访照片",
    "type.message_log": "短信记录",
    "type.audit_photo": "盘库照片",
    "type.other": "其他",
    "search.title": "检索证据",
    "search.explain_all": "所有成员的证据。案件编号须完全一致。",
    "search.explain_own": "贵机构提交的证据。案件编号须完全一致。",
    "search.case": "案件编号",
    "search.type": "类型",
    "search.status": "状态",
    "search.from": "提交日期起",
    "search.to": "提交日期止（含当日）",
    "search.submitter": "提交成员",
    "search.any": "不限",
    "search.submit": "检索",
    "search.clear": "清除",
    "search.results": "找到 {count} 条证据",
    "search.none": "没有符合条件的证据。",
    "search.pages": "结果分页",
    "search.prev": "上一页",
    "search.next": "下一页",
    "search.showing": "第 {first} 至 {last} 条，共 {total} 条",
    "search.error.date": "请输入日期，例如 2026-11-30。",
    "search.error.order": "结束日期早于开始日期。",
    "search.error.choice": "请从列表中选择。",
    "evidence.id": "证据编号",
    "evidence.type": "类型",
    "evidence.status": "状态",
    "evidence.submitted_at": "提交时间",
    "evidence.submitter": "提交成员",
    "evidence.file": "文件名",
    "evidence.digest_only": "（仅提交摘要：文件由提交方保存）",
    "evidence.digest": "文件摘要（SHA-256）",
    "evidence.size": "大小",
    "evidence.bytes": "{count} 字节",
    "evidence.media_type": "媒体类型",
    "evidence.case_commitment": "案件承诺值",
    "evidence.contact_time": "联系时间",
    "evidence.channel": "联系渠道",
    "evidence.device": "设备",
    "evidence.superseded_by": "已被替代为",
    "evidence.forgotten": "个人数据删除时间",
    "detail.back": "← 返回证据检索",
    "detail.title": "证据",
    "detail.explain.pending": "已受理，等待批次锚定：回执与存证证书将在数秒内生成。",
    "detail.explain.anchored": "已锚定上链；经过链的最终确认深度后即为最终状态。",
    "detail.explain.final": "已锚定上链并最终确认。",
    "detail.downloads": "回执与存证证书",
    "detail.receipt_json": "下载回执（JSON）",
    "detail.certificate_pdf": "下载存证证书（PDF）",
    "detail.cli_hint": "无需本服务即可验证回执：",
    "trust.title": "信任根",
    "trust.explain": (
        "回执只在联盟自己的证据登记合约（EvidenceRegistry）发出的 BatchAnchored 事件中才成立。"
        "任何人都能部署合约，因此第三方须固定以下地址（或信任文件），而不是相信回执自己写的合约；"
        "没有它们，autoledger verify 绝不会判定为 verified。"
    ),
    "trust.chain_id": "链 ID",
    "trust.consortium": "联盟合约",
    "trust.registry": "证据登记合约",
    "trust.download": "下载信任文件（consortium.json）",
    "trust.command": "第三方运行的命令：",
    "detail.pending_downloads": "锚定后即可下载。",
    "detail.item": "证据信息",
    "detail.anchoring": "链上锚定",
    "detail.proof": "默克尔证明与签名",
    "detail.record": "存证记录（默克尔叶子）",
    "detail.record_explain": (
        "公证方所证明的内容，与写入默克尔树的字节完全一致（RFC 8785 规范化 JSON，此处缩进显示）。"
        "案件编号仅以承诺值出现。"
    ),
    "anchor.block_time": "锚定时间（区块时间）",
    "anchor.tx_hash": "交易",
    "anchor.block_number": "区块高度",
    "anchor.block_hash": "区块哈希",
    "anchor.chain_id": "链 ID",
    "anchor.contract": "存证合约",
    "proof.leaf_index": "叶序号",
    "proof.tree_size": "树大小",
    "proof.leaf_hash": "叶哈希",
    "proof.audit_path": "审计路径",
    "proof.empty_path": "（空：该批次仅含此一条）",
    "proof.root": "根",
    "proof.signer": "公证方",
    "proof.signature": "公证方签名",
    "checks.title": "证明核验",
    "checks.explain": (
        "本服务刚刚对照链上数据重新核验了回执，任何人都可用“autoledger verify”做同样的核验。"
        "文件本身请在上方于浏览器中核对。"
    ),
    "checks.check": "核验项",
    "checks.result": "结果",
    "checks.detail": "详情",
    "check_detail.no_trust_root": (
        "未提供信任根：没有固定锚定合约是谁的，回执无法证明由谁签发"
        "（请提供联盟的证据登记合约地址或信任文件）"
    ),
    "check_detail.pinned": "由固定的证据登记合约 {registry}（链 {chain}）锚定",
    "check_detail.pinned_any_chain": "由固定的证据登记合约 {registry}（节点所在链）锚定",
    "check_detail.not_pinned": "锚定记载的合约为 {contract}，而非固定的证据登记合约 {registry}",
    "check_detail.other_chain": "锚定在链 {chain} 上，信任根为链 {expected}",
    "check_detail.batch_anchored": (
        "登记合约 {registry} 的第 {log} 条日志 BatchAnchored："
        "根 {root}，日志大小 {size}，公证方 {signer}"
    ),
    "check_detail.digest_anchored": (
        "登记合约 {registry} 的第 {log} 条日志 DigestAnchored：{root}，公证方 {signer}"
    ),
    "check_detail.unsigned_anchor": "回执未签名，无法与锚定事件的公证方比对",
    "breach_detail.contact_hours": (
        "联系时间 {time}（{zone}，{day}）不在允许的时段 {start}–{end} 内"
    ),
    "breach_detail.per_day": "{day}（{zone}）对该债务人的第 {count} 次联系；每天最多允许 {most} 次",
    "breach_detail.per_week": (
        "{first} 至 {day}（{zone}）对该债务人的第 {count} 次联系；{days} 天内最多允许 {most} 次"
    ),
    "breach_detail.wording": "禁用语 {phrase}（{lang}），位于第 {start}–{end} 个字符",
    "check_detail.no_rpc": "未提供 JSON-RPC 地址",
    "check_detail.no_document": "未提供文件",
    "check_detail.no_record": "没有可比对的有效存证记录（见“存证记录”一项）",
    "check_detail.no_record_to_place": "没有可定位的有效存证记录（见“存证记录”一项）",
    "check_detail.digest_differs": "文件摘要为 {digest}，而记录为 {record}",
    "check_detail.digest": "文件摘要为 {digest}",
    "check_detail.leaf": "叶子哈希 {hash}，基于 {size} 字节规范化记录",
    "check_detail.inclusion": "第 {index} 个叶子（共 {size} 个）经审计路径得出根 {root}",
    "check_detail.inclusion_differs": "审计路径得出 {computed}，而非根 {root}",
    "check_detail.unsigned": "回执未签名",
    "check_detail.signed": "由 {signer} 签名",
    "check_detail.signed_by_other": "由 {signer} 签名，而非预期的公证方 {expected}",
    "check_detail.recovers_to_other": "签名恢复出 {recovered}，而非签名者 {signer}",
    "check_detail.chain": "链 {chain}",
    "check_detail.chain_differs": "节点所在链为 {chain}，回执记载为 {expected}",
    "check_detail.transaction": "交易 {tx} 已在区块 {block} 中成功执行",
    "check_detail.root_in_log": "根 {root} 位于 {contract} 的第 {log} 条日志中",
    "check_detail.root_in_a_log": "根 {root} 位于 {contract} 的一条日志中",
    "check_detail.root_missing": "交易 {tx} 中没有 {contract} 的日志包含根 {root}",
    "check_detail.block_time": "区块 {block} 的时间为 {time}",
    "check_detail.block_time_differs": "区块 {block} 的时间为 {time}，而非 {expected}",
    "check_detail.tx_missing": "交易 {tx} 不在节点所在的链上",
    "check_detail.block_missing": "区块 {block} 不在节点所在的链上",
    "checks.ok": "通过",
    "checks.failed": "未通过",
    "checks.skipped": "未执行",
    "check.digest": "文件摘要",
    "check.leaf": "存证记录（叶子）",
    "check.inclusion": "默克尔包含证明",
    "check.signature": "公证方签名",
    "check.trust_root": "固定的登记合约（信任根）",
    "check.chain_id": "链 ID",
    "check.transaction": "交易与区块",
    "check.anchored_root": "根已锚定",
    "check.block_time": "区块时间",
    "verify.title": "核对文件与此存证记录",
    "verify.explain": (
        "选择或拖入您持有的文件。浏览器会计算其 SHA-256 并与存证记录比对：文件不会离开您的电脑。"
    ),
    "verify.pick": "选择要核对的文件",
    "verify.drop": "……或将文件拖到此处",
    "verify.hashing": "正在计算 SHA-256：",
    "verify.match": "一致",
    "verify.match_detail": "此文件与存证文件逐字节完全相同。",
    "verify.mismatch": "不一致",
    "verify.mismatch_detail": "此文件与存证文件不同：它是另一个文件，或已被修改。",
    "verify.computed": "此文件：",
    "verify.expected": "存证记录：",
    "verify.insecure": (
        "此浏览器仅在安全（https）页面上提供哈希计算。请通过 https 打开本页，"
        "或使用“autoledger verify”。"
    ),
    "verify.too_big": "文件超过 1 GiB，无法在浏览器中计算，请使用“autoledger verify”。",
    "verify.failed": "无法读取该文件：",
    "verify.checked_registry": "锚定核验所用的证据登记合约：",
    "verify.checked_notary": "公证方（回执与 BatchAnchored 事件的签名者）：",
    "oversight.title": "监管",
    "oversight.explain": "覆盖全体成员的只读视图：以链上记录为准的成员信息，以及按状态统计的证据。",
    "oversight.totals": "证据状态统计",
    "oversight.all": "全部",
    "oversight.members": "成员及其证据",
    "oversight.recent": "最新证据",
    "oversight.search_all": "检索全部证据",
    "error.title": "无法显示此页面",
    "error.home": "返回首页",
    "error.csrf": "表单未被接受：表单已过期或并非来自本站。请返回、刷新页面后重试。",
    "error.forbidden": "贵机构的角色无权打开此页面。",
    "error.not_found": "此处没有内容，或贵机构无权查看。",
    "error.pending": "此证据尚未锚定：锚定后才会生成回执与存证证书。请数秒后重试。",
    "error.internal": "服务器出错，详情见服务器日志。",
    "error.method": "此地址不接受这种请求：它是表单的提交目标。请返回表单所在的页面。",
    "error.bad_request": "此地址有误：其中有一部分不是页面所要求的格式。",
}

# The strings of each area's pages live beside them, one (EN, ZH) pair per module, merged here
# so that a page set can grow without touching the others' strings.
from api.pages import (  # noqa: E402
    i18n_borrower,
    i18n_cases,
    i18n_financing,
    i18n_oversight,
    i18n_trail,
)

for _area in (i18n_financing, i18n_oversight, i18n_trail, i18n_borrower, i18n_cases):
    EN.update(_area.EN)
    ZH.update(_area.ZH)

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "zh-CN": ZH}

_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


def negotiate(accept_language: str | None) -> str:
    """The supported language `accept_language` prefers: a language cookie's value
    (``zh-CN``) or an Accept-Language header (``zh-CN,zh;q=0.9,en;q=0.8``); English when
    nothing matches. Any ``zh`` variant means zh-CN (the only Chinese catalog)."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params:
            found = _QUALITY.match(params)
            try:
                quality = float(found.group(1)) if found else 0.0
            except ValueError:
                quality = 0.0
        language = _supported(tag.strip())
        # earlier entries win ties, as the header lists them in preference order
        if language is not None and quality > 0 and quality - position * 1e-6 > best_q:
            best, best_q = language, quality - position * 1e-6
    return best


def _supported(tag: str) -> str | None:
    primary = tag.lower().split("-")[0]
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


@cache
def translator(language: str) -> Translator:
    """The string lookup of `language` (English for unknown languages).

    ``t(key, **fields)`` raises `KeyError` for a key missing from the catalog: the tests
    render every page, so a missing string fails there rather than showing a blank.
    """
    catalog = CATALOGS.get(language, EN)

    def t(key: str, **fields: Any) -> str:
        text = catalog.get(f"{key}.one") if fields.get("count") == 1 else None
        return (text or catalog[key]).format(**fields) if fields else (text or catalog[key])

    return t
