"""The audit trail's sentences (`api.pages.trail_sentences`), one per event the contracts emit,
and the trail's filters and export, merged into the catalogs of `api.pages.i18n`.

A sentence's fields are the event's arguments by their ABI names (said for a reader: members
by name, amounts with the currency, times in the pages' zone) and the derived ``lender``,
``dealer``, ``old_lender``, ``member``, ``kind``, ``outcome``, ``reason``, ``sample``,
``claims``, ``upheld``, ``allowed``, ``freeze``, ``why``, ``type`` and ``status``.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "sentence.when": "{day} {month} {year} {time}",
    **{
        f"sentence.month.{n}": name
        for n, name in enumerate(
            ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
            start=1,
        )
    },
    "sentence.member_number": "member #{id}",
    "sentence.nobody": "no one",
    "sentence.no_time": "no set time",
    "sentence.unknown_party": "an unknown member",
    "sentence.yes": "yes",
    "sentence.no": "no",
    "sentence.upheld": "upheld",
    "sentence.rejected": "rejected",
    "sentence.allowed": "may now create cycles",
    "sentence.disallowed": "may no longer create cycles",
    "sentence.freeze": "the line freezes if a vehicle is missing",
    "sentence.no_freeze": "the line does not freeze on a missing vehicle",
    "sentence.frozen_by_audit": " after lot audit #{audit}",
    "sentence.admin_role": "Administrator",
    "sentence.generic": "{event}: {details}",
    "sentence.generic_bare": "{event}",
    "sentence.proposal.admit": "admit a member",
    "sentence.proposal.suspend": "suspend a member",
    "sentence.proposal.reinstate": "reinstate a member",
    "sentence.proposal.remove": "remove a member",
    "sentence.proposal.grant_role": "grant a role",
    "sentence.proposal.revoke_role": "revoke a role",
    "sentence.proposal.set_quorum": "change the quorum",
    "sentence.proposal.rotate_key": "rotate a member's key",
    "sentence.claim.payoff": "payoff",
    "sentence.claim.curtailment": "curtailment",
    "sentence.claim.interest": "interest",
    "sentence.claim.fee": "fee",
    "sentence.claim.collection_fee": "collection fee",
    "sentence.claim.other": "other",
    "sentence.outcome.none": "not recorded",
    "sentence.outcome.found": "found",
    "sentence.outcome.missing": "missing",
    "sentence.outcome.unexpected": "found where it was not expected",
    "sentence.reason.corrected_metadata": "corrected metadata",
    "sentence.reason.better_copy": "a better copy",
    "sentence.reason.wrong_case": "filed under the wrong case",
    "sentence.reason.duplicate": "a duplicate",
    "sentence.reason.other": "another reason",
    # FloorPlan
    "sentence.FloorPlan.LineOpened": (
        "{lenderId} opened credit line {lineId} for {dealerId}, limit {limit}"
    ),
    "sentence.FloorPlan.TermsSet": "Terms {termsId} were set for line {lineId}",
    "sentence.FloorPlan.LineChanged": (
        "Line {lineId} ({lender} to {dealer}) changed: limit {limit}, terms {termsId}"
    ),
    "sentence.FloorPlan.LineFrozen": "{by} froze line {lineId} ({lender} to {dealer}){why}",
    "sentence.FloorPlan.LineUnfrozen": "Line {lineId} ({lender} to {dealer}) was unfrozen",
    "sentence.FloorPlan.LineClosed": "Line {lineId} ({lender} to {dealer}) was closed",
    "sentence.FloorPlan.VehicleFinanced": (
        "{lender} advanced {advance} on {vinHash} to {dealer} (line {lineId})"
    ),
    "sentence.FloorPlan.CertificateMismatch": (
        "The certificate of {vinHash} was already pledged for {previousVinHash}"
    ),
    "sentence.FloorPlan.RegistrationRecorded": "The registration of {vinHash} was recorded",
    "sentence.FloorPlan.VehicleConfirmed": "{dealer} confirmed it holds {vinHash} (line {lineId})",
    "sentence.FloorPlan.VehicleUnconfirmed": (
        "{dealer} did not confirm {vinHash} by {confirmBy} (line {lineId})"
    ),
    "sentence.FloorPlan.VehicleSold": (
        "{dealer} reported {vinHash} sold; payoff to {lender} due {payoffDueAt}"
    ),
    "sentence.FloorPlan.VehicleSoldOutOfTrust": (
        "{vinHash} was sold out of trust: {lender} not paid off by {payoffDueAt}"
    ),
    "sentence.FloorPlan.SoldOutOfTrustAlert": (
        "Lot audit #{auditId} found {vinHash} missing from {dealer}'s lot (line {lineId})"
    ),
    "sentence.FloorPlan.CurtailmentPaid": (
        "{dealer} paid {lender} a curtailment of {amount} on {vinHash} ({principal} of it"
        " principal)"
    ),
    "sentence.FloorPlan.CurtailmentOverdue": (
        "A curtailment on {vinHash} is overdue: {due} due, {paid} paid (line {lineId})"
    ),
    "sentence.FloorPlan.LienReleased": (
        "{lender} released its lien on {vinHash}: {principal} principal, {interest} interest,"
        " {fee} fee paid"
    ),
    "sentence.FloorPlan.VehicleRepossessed": "{lender} repossessed {vinHash} from {dealer}",
    "sentence.FloorPlan.TransferOffered": (
        "The lien on {vinHash} was offered from line {fromLineId} to line {toLineId} ({lender})"
    ),
    "sentence.FloorPlan.LienTransferred": (
        "{lender} took over the lien on {vinHash} from {old_lender} (line {fromLineId} to"
        " {toLineId}): {principal} principal, {interest} interest, {fee} fee"
    ),
    "sentence.FloorPlan.EIP712DomainChanged": "The floor plan's signing domain changed",
    # LotAudit
    "sentence.LotAudit.AuditOpened": (
        "{openerId} opened lot audit #{auditId} of line {lineId} ({dealer}), sampling {sample};"
        " {freeze}"
    ),
    "sentence.LotAudit.AuditRevealed": "The sample of lot audit #{auditId} was drawn",
    "sentence.LotAudit.VehicleAudited": (
        "Lot audit #{auditId}: {vinHash} {outcome} on {dealer}'s lot"
    ),
    "sentence.LotAudit.AuditClosed": (
        "Lot audit #{auditId} closed: {found} found, {missing} missing, {unexpected} unexpected"
    ),
    # EvidenceRegistry
    "sentence.EvidenceRegistry.BatchAnchored": (
        "{notaryId} anchored evidence batch {sequence} ({size} items), root {root}"
    ),
    "sentence.EvidenceRegistry.DigestAnchored": "{notaryId} anchored document {digest}",
    "sentence.EvidenceRegistry.ItemSuperseded": (
        "{byMemberId} superseded evidence {item} with {replacement}: {reason}"
    ),
    "sentence.EvidenceRegistry.PersonalDataForgotten": (
        "{byMemberId} erased the personal data of evidence {item}"
    ),
    # Consortium
    "sentence.Consortium.ProposalCreated": (
        "{proposer} proposed to {kind} (proposal #{id}, target {target}), open until {expiresAt}"
    ),
    "sentence.Consortium.ProposalVoted": (
        "{voter} approved proposal #{id} ({approvals} approvals)"
    ),
    "sentence.Consortium.ProposalExecuted": "Proposal #{id} to {kind} was carried out",
    "sentence.Consortium.MemberAdmitted": "{name} joined the consortium as member #{id}",
    "sentence.Consortium.MemberSuspended": "{member} was suspended",
    "sentence.Consortium.MemberReinstated": "{member} was reinstated",
    "sentence.Consortium.MemberRemoved": "{member} was removed from the consortium",
    "sentence.Consortium.MemberRoleGranted": "{member} was granted the role {role}",
    "sentence.Consortium.MemberRoleRevoked": "{member} lost the role {role}",
    "sentence.Consortium.MemberKeyRotated": (
        "{member} rotated its key from {oldAccount} to {newAccount}"
    ),
    "sentence.Consortium.QuorumChanged": (
        "The quorum changed from {oldQuorum} to {newQuorum} approvals"
    ),
    "sentence.Consortium.RoleGranted": "{account} was given the contract role {role} by {sender}",
    "sentence.Consortium.RoleRevoked": "{account} lost the contract role {role} ({sender})",
    "sentence.Consortium.RoleAdminChanged": (
        "The role {role} is now managed by {newAdminRole} (was {previousAdminRole})"
    ),
    # Clearing
    "sentence.Clearing.EIP712DomainChanged": "The clearing contract's signing domain changed",
    "sentence.Clearing.ClaimFiled": (
        "{creditorId} filed {kind} claim #{claimId} of {amount} against {debtorId}, due {dueDate}"
    ),
    "sentence.Clearing.ClaimConfirmed": (
        "{by} confirmed claim #{claimId}; disputes are open until {disputeEndsAt}"
    ),
    "sentence.Clearing.SignaturesRevoked": (
        "{by} revoked the signatures of {memberId} up to nonce {nonce}"
    ),
    "sentence.Clearing.ClaimDisputed": "{by} disputed claim #{claimId}",
    "sentence.Clearing.DisputeResolved": (
        "{by} resolved the dispute over claim #{claimId}: {upheld}"
    ),
    "sentence.Clearing.ClaimWithdrawn": "{by} withdrew claim #{claimId}",
    "sentence.Clearing.ClaimSettledOffChain": "{bankId} settled claim #{claimId} off chain",
    "sentence.Clearing.CycleSettled": (
        "{by} settled clearing cycle #{cycleId}: {gross} gross, {net} net in {transferCount}"
        " transfers (claims {claims})"
    ),
    "sentence.Clearing.CreatorSet": "{creator} {allowed} (set by {by})",
    # SettlementToken
    "sentence.SettlementToken.Minted": "{bankId} issued {amount} to {to}",
    "sentence.SettlementToken.Burned": "{bankId} redeemed {amount} from {from}",
    "sentence.SettlementToken.OffChainSettlementRecorded": (
        "{bankId} recorded {debtorId} paying {creditorId} {amount} off chain"
    ),
    "sentence.SettlementToken.Transfer": "{from} transferred {value} to {to}",
    "sentence.SettlementToken.Approval": "{owner} allowed {spender} to spend {value}",
    # the service's own entries of a case
    "sentence.Evidence.submitted": "{type} submitted ({status}), document {document_digest}",
    # the page around them
    "trail.raw": "Raw event",
    "trail.raw.contract": "Contract",
    "trail.raw.event": "Event",
    "trail.raw.block": "Block",
    "trail.raw.tx": "Transaction",
    "trail.raw.log": "Log index",
    "trail.raw.args": "Arguments",
    "trail.filter": "Narrow the trail",
    "trail.filter.event": "Event kind",
    "trail.filter.any": "Any event",
    "trail.filter.error.event": "Choose an event kind from the list.",
    "trail.csv": "Download this trail as CSV",
    "trail.filtered": "{count} entries match the filters",
    "trail.filtered.one": "1 entry matches the filters",
}

ZH: dict[str, str] = {
    "sentence.when": "{year}年{month_number}月{day}日 {time}",
    **{f"sentence.month.{n}": f"{n}月" for n in range(1, 13)},
    "sentence.member_number": "成员 #{id}",
    "sentence.nobody": "无",
    "sentence.no_time": "未设定时间",
    "sentence.unknown_party": "未知成员",
    "sentence.yes": "是",
    "sentence.no": "否",
    "sentence.upheld": "支持异议",
    "sentence.rejected": "驳回异议",
    "sentence.allowed": "获准发起清算周期",
    "sentence.disallowed": "不再获准发起清算周期",
    "sentence.freeze": "如有车辆缺失则冻结额度",
    "sentence.no_freeze": "车辆缺失时不冻结额度",
    "sentence.frozen_by_audit": "（因库存审计 #{audit}）",
    "sentence.admin_role": "管理员",
    "sentence.generic": "{event}：{details}",
    "sentence.generic_bare": "{event}",
    "sentence.proposal.admit": "接纳成员",
    "sentence.proposal.suspend": "暂停成员",
    "sentence.proposal.reinstate": "恢复成员",
    "sentence.proposal.remove": "移除成员",
    "sentence.proposal.grant_role": "授予角色",
    "sentence.proposal.revoke_role": "撤销角色",
    "sentence.proposal.set_quorum": "更改法定票数",
    "sentence.proposal.rotate_key": "更换成员密钥",
    "sentence.claim.payoff": "结清",
    "sentence.claim.curtailment": "分期还本",
    "sentence.claim.interest": "利息",
    "sentence.claim.fee": "费用",
    "sentence.claim.collection_fee": "催收费",
    "sentence.claim.other": "其他",
    "sentence.outcome.none": "未记录",
    "sentence.outcome.found": "在库",
    "sentence.outcome.missing": "缺失",
    "sentence.outcome.unexpected": "出现在意料之外的位置",
    "sentence.reason.corrected_metadata": "更正元数据",
    "sentence.reason.better_copy": "更清晰的副本",
    "sentence.reason.wrong_case": "归入了错误的案件",
    "sentence.reason.duplicate": "重复提交",
    "sentence.reason.other": "其他原因",
    "sentence.FloorPlan.LineOpened": "{lenderId}为{dealerId}开立授信额度 {lineId}，额度 {limit}",
    "sentence.FloorPlan.TermsSet": "额度 {lineId} 设定了条款 {termsId}",
    "sentence.FloorPlan.LineChanged": (
        "额度 {lineId}（{lender} → {dealer}）已变更：额度 {limit}，条款 {termsId}"
    ),
    "sentence.FloorPlan.LineFrozen": "{by}冻结了额度 {lineId}（{lender} → {dealer}）{why}",
    "sentence.FloorPlan.LineUnfrozen": "额度 {lineId}（{lender} → {dealer}）已解冻",
    "sentence.FloorPlan.LineClosed": "额度 {lineId}（{lender} → {dealer}）已关闭",
    "sentence.FloorPlan.VehicleFinanced": (
        "{lender}就车辆 {vinHash} 向{dealer}放款 {advance}（额度 {lineId}）"
    ),
    "sentence.FloorPlan.CertificateMismatch": (
        "车辆 {vinHash} 的合格证已为 {previousVinHash} 质押过"
    ),
    "sentence.FloorPlan.RegistrationRecorded": "已记录车辆 {vinHash} 的登记信息",
    "sentence.FloorPlan.VehicleConfirmed": "{dealer}确认持有车辆 {vinHash}（额度 {lineId}）",
    "sentence.FloorPlan.VehicleUnconfirmed": (
        "{dealer}未在 {confirmBy} 前确认车辆 {vinHash}（额度 {lineId}）"
    ),
    "sentence.FloorPlan.VehicleSold": (
        "{dealer}报告车辆 {vinHash} 已售出；应于 {payoffDueAt} 前向{lender}结清"
    ),
    "sentence.FloorPlan.VehicleSoldOutOfTrust": (
        "车辆 {vinHash} 售出未还款：未在 {payoffDueAt} 前向{lender}结清"
    ),
    "sentence.FloorPlan.SoldOutOfTrustAlert": (
        "库存审计 #{auditId} 发现车辆 {vinHash} 不在{dealer}的库中（额度 {lineId}）"
    ),
    "sentence.FloorPlan.CurtailmentPaid": (
        "{dealer}就车辆 {vinHash} 向{lender}支付分期还本 {amount}（其中本金 {principal}）"
    ),
    "sentence.FloorPlan.CurtailmentOverdue": (
        "车辆 {vinHash} 的分期还本已逾期：应付 {due}，已付 {paid}（额度 {lineId}）"
    ),
    "sentence.FloorPlan.LienReleased": (
        "{lender}解除了车辆 {vinHash} 的抵押权：已付本金 {principal}、利息 {interest}、费用 {fee}"
    ),
    "sentence.FloorPlan.VehicleRepossessed": "{lender}从{dealer}处收回车辆 {vinHash}",
    "sentence.FloorPlan.TransferOffered": (
        "车辆 {vinHash} 的抵押权拟由额度 {fromLineId} 转至额度 {toLineId}（{lender}）"
    ),
    "sentence.FloorPlan.LienTransferred": (
        "{lender}从{old_lender}处承接车辆 {vinHash} 的抵押权（额度 {fromLineId} → {toLineId}）："
        "本金 {principal}、利息 {interest}、费用 {fee}"
    ),
    "sentence.FloorPlan.EIP712DomainChanged": "融资合约的签名域已变更",
    "sentence.LotAudit.AuditOpened": (
        "{openerId}对额度 {lineId}（{dealer}）发起库存审计 #{auditId}，抽样 {sample}；{freeze}"
    ),
    "sentence.LotAudit.AuditRevealed": "库存审计 #{auditId} 已抽取样本",
    "sentence.LotAudit.VehicleAudited": (
        "库存审计 #{auditId}：车辆 {vinHash} 在{dealer}库中{outcome}"
    ),
    "sentence.LotAudit.AuditClosed": (
        "库存审计 #{auditId} 已结束：在库 {found}，缺失 {missing}，意外 {unexpected}"
    ),
    "sentence.EvidenceRegistry.BatchAnchored": (
        "{notaryId}锚定了证据批次 {sequence}（{size} 项），根哈希 {root}"
    ),
    "sentence.EvidenceRegistry.DigestAnchored": "{notaryId}锚定了文件 {digest}",
    "sentence.EvidenceRegistry.ItemSuperseded": (
        "{byMemberId}以 {replacement} 替代了证据 {item}：{reason}"
    ),
    "sentence.EvidenceRegistry.PersonalDataForgotten": "{byMemberId}删除了证据 {item} 的个人数据",
    "sentence.Consortium.ProposalCreated": (
        "{proposer}提议{kind}（提案 #{id}，对象 {target}），有效期至 {expiresAt}"
    ),
    "sentence.Consortium.ProposalVoted": "{voter}批准了提案 #{id}（已有 {approvals} 票）",
    "sentence.Consortium.ProposalExecuted": "提案 #{id}（{kind}）已执行",
    "sentence.Consortium.MemberAdmitted": "{name}加入联盟，成员编号 #{id}",
    "sentence.Consortium.MemberSuspended": "{member}已被暂停",
    "sentence.Consortium.MemberReinstated": "{member}已被恢复",
    "sentence.Consortium.MemberRemoved": "{member}已被移出联盟",
    "sentence.Consortium.MemberRoleGranted": "{member}被授予角色：{role}",
    "sentence.Consortium.MemberRoleRevoked": "{member}被撤销角色：{role}",
    "sentence.Consortium.MemberKeyRotated": "{member}将密钥由 {oldAccount} 更换为 {newAccount}",
    "sentence.Consortium.QuorumChanged": "法定票数由 {oldQuorum} 改为 {newQuorum}",
    "sentence.Consortium.RoleGranted": "{account}由{sender}授予合约角色：{role}",
    "sentence.Consortium.RoleRevoked": "{account}被撤销合约角色：{role}（{sender}）",
    "sentence.Consortium.RoleAdminChanged": (
        "角色 {role} 改由 {newAdminRole} 管理（原为 {previousAdminRole}）"
    ),
    "sentence.Clearing.EIP712DomainChanged": "清算合约的签名域已变更",
    "sentence.Clearing.ClaimFiled": (
        "{creditorId}对{debtorId}提出{kind}债权 #{claimId}，金额 {amount}，到期 {dueDate}"
    ),
    "sentence.Clearing.ClaimConfirmed": "{by}确认了债权 #{claimId}；异议期至 {disputeEndsAt}",
    "sentence.Clearing.SignaturesRevoked": "{by}撤销了{memberId}截至序号 {nonce} 的签名",
    "sentence.Clearing.ClaimDisputed": "{by}对债权 #{claimId} 提出异议",
    "sentence.Clearing.DisputeResolved": "{by}处理了债权 #{claimId} 的异议：{upheld}",
    "sentence.Clearing.ClaimWithdrawn": "{by}撤回了债权 #{claimId}",
    "sentence.Clearing.ClaimSettledOffChain": "{bankId}在链下结算了债权 #{claimId}",
    "sentence.Clearing.CycleSettled": (
        "{by}完成清算周期 #{cycleId}：总额 {gross}，净额 {net}，共 {transferCount} 笔转账"
        "（债权 {claims}）"
    ),
    "sentence.Clearing.CreatorSet": "{creator}{allowed}（由{by}设置）",
    "sentence.SettlementToken.Minted": "{bankId}向 {to} 发行 {amount}",
    "sentence.SettlementToken.Burned": "{bankId}从 {from} 赎回 {amount}",
    "sentence.SettlementToken.OffChainSettlementRecorded": (
        "{bankId}记录了{debtorId}在链下向{creditorId}支付 {amount}"
    ),
    "sentence.SettlementToken.Transfer": "{from}向{to}转账 {value}",
    "sentence.SettlementToken.Approval": "{owner}允许{spender}动用 {value}",
    "sentence.Evidence.submitted": "已提交{type}（{status}），文件 {document_digest}",
    "trail.raw": "原始事件",
    "trail.raw.contract": "合约",
    "trail.raw.event": "事件",
    "trail.raw.block": "区块",
    "trail.raw.tx": "交易",
    "trail.raw.log": "日志序号",
    "trail.raw.args": "参数",
    "trail.filter": "筛选轨迹",
    "trail.filter.event": "事件类型",
    "trail.filter.any": "全部事件",
    "trail.filter.error.event": "请从列表中选择事件类型。",
    "trail.csv": "将此轨迹下载为 CSV",
    "trail.filtered": "符合筛选条件的记录共 {count} 条",
}
