// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IClearingSettlementToken} from "./interfaces/IClearingSettlementToken.sol";

/**
 * @title SettlementToken
 * @notice A tokenized deposit: one token unit is one minor unit of `currency()` held at a settlement bank of
 * the consortium. Settlement banks mint against deposits received off chain and burn against withdrawals;
 * members pay each other (and the {Clearing} contract pulls net amounts) with ordinary ERC-20 transfers.
 * Members that settle off chain instead get ISO 20022 payment instructions; their bank records each
 * payment here with its own reference, keyed by the instruction's end-to-end id.
 * @dev Every mint, burn and off-chain record asks the {IConsortium} registry whether the caller is an active
 * SETTLEMENT_BANK member, so its errors ({IConsortium-ConsortiumMemberNotActive},
 * {IConsortium-ConsortiumMissingRole}) bubble up unchanged. Tokens can only be received by the current
 * address of a consortium member (active or suspended): never by strangers or rotated-away keys.
 */
contract SettlementToken is ERC20, IClearingSettlementToken {
    using SafeCast for uint256;

    /// @dev Role identifier as {IConsortium} defines it: keccak256 of the role name.
    bytes32 private constant _SETTLEMENT_BANK = keccak256("SETTLEMENT_BANK");

    IConsortium private immutable _consortium;
    uint8 private immutable _decimals;
    string private _currency;

    mapping(bytes32 endToEndId => OffChainSettlement) private _offChain;

    /**
     * @notice A settlement bank minted `amount` to `to` against a deposit it received.
     * @param bankId Consortium member id of the bank.
     * @param bank Address of the bank.
     * @param to Member credited.
     * @param amount Token units minted.
     * @param depositReference The bank's reference of the deposit.
     */
    event Minted(
        uint256 indexed bankId,
        address indexed bank,
        address indexed to,
        uint256 amount,
        bytes32 depositReference
    );

    /**
     * @notice A settlement bank burned `amount` of `from`'s tokens against a withdrawal it paid out.
     * @param bankId Consortium member id of the bank.
     * @param bank Address of the bank.
     * @param from Member debited.
     * @param amount Token units burned.
     * @param withdrawalReference The bank's reference of the withdrawal.
     */
    event Burned(
        uint256 indexed bankId,
        address indexed bank,
        address indexed from,
        uint256 amount,
        bytes32 withdrawalReference
    );

    /**
     * @notice A settlement bank recorded a payment it made off chain.
     * @param endToEndId The payment instruction's ISO 20022 end-to-end id (ASCII, left-aligned).
     * @param bankId Consortium member id of the bank.
     * @param debtorId Member id of the payer.
     * @param creditorId Member id of the payee.
     * @param amount Amount paid, in token units.
     * @param bankReference The bank's reference of the payment.
     */
    event OffChainSettlementRecorded(
        bytes32 indexed endToEndId,
        uint256 indexed bankId,
        uint256 indexed debtorId,
        uint256 creditorId,
        uint256 amount,
        bytes32 bankReference
    );

    /**
     * @notice `consortium` has no code, so it cannot be the member registry.
     * @param consortium The address given to the constructor.
     */
    error SettlementTokenInvalidConsortium(address consortium);

    /**
     * @notice `currency` is not an ISO 4217 alphabetic code (three upper-case ASCII letters).
     * @param currency The code given to the constructor.
     */
    error SettlementTokenInvalidCurrency(string currency);

    /// @notice An amount was zero.
    error SettlementTokenZeroAmount();

    /// @notice A reference or end-to-end id was zero.
    error SettlementTokenZeroReference();

    /**
     * @notice `account` is not the current address of a consortium member, so it cannot hold tokens.
     * @param account The intended recipient.
     */
    error SettlementTokenRecipientNotMember(address account);

    /**
     * @notice `account`, a party of an off-chain payment, is not the current address of a consortium member.
     * @param account The address.
     */
    error SettlementTokenUnknownMember(address account);

    /**
     * @notice An off-chain payment's payer and payee are the same member.
     * @param account The payer's address.
     */
    error SettlementTokenSelfPayment(address account);

    /**
     * @notice A payment with end-to-end id `endToEndId` was already recorded, with bank reference `bankReference`.
     * @param endToEndId The end-to-end id.
     * @param bankReference The reference recorded first, which stays.
     */
    error SettlementTokenAlreadyRecorded(bytes32 endToEndId, bytes32 bankReference);

    /**
     * @notice Creates the token, bound to the consortium member registry at `consortium_` for good.
     * @dev Callable by anyone (deployment). Reverts with {SettlementTokenInvalidConsortium} if `consortium_` has
     * no code and {SettlementTokenInvalidCurrency} unless `currency_` is three upper-case ASCII letters.
     * @param consortium_ The {IConsortium} registry that decides who may mint, burn and hold.
     * @param name_ ERC-20 name, e.g. "AutoLedger Euro Deposit".
     * @param symbol_ ERC-20 symbol, e.g. "ALEUR".
     * @param currency_ ISO 4217 code of the deposits, e.g. "EUR".
     * @param decimals_ Number of decimals: one token unit is 10**-decimals_ of the currency (2 for cents).
     */
    constructor(
        IConsortium consortium_,
        string memory name_,
        string memory symbol_,
        string memory currency_,
        uint8 decimals_
    ) ERC20(name_, symbol_) {
        if (address(consortium_).code.length == 0) revert SettlementTokenInvalidConsortium(address(consortium_));
        bytes memory code = bytes(currency_);
        if (code.length != 3) revert SettlementTokenInvalidCurrency(currency_);
        for (uint256 i = 0; i < 3; ++i) {
            if (code[i] < "A" || code[i] > "Z") revert SettlementTokenInvalidCurrency(currency_);
        }
        _consortium = consortium_;
        _currency = currency_;
        _decimals = decimals_;
    }

    // ---------------------------------------------------------------------------------------------
    // Settlement banks
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Mints `amount` to member `to` against a deposit the calling bank received off chain.
     * @dev Callable only by an active SETTLEMENT_BANK member. Reverts with {SettlementTokenZeroAmount},
     * {SettlementTokenZeroReference} for a zero `depositReference`, or {SettlementTokenRecipientNotMember}
     * unless `to` is the current address of a member.
     * @param to The member credited.
     * @param amount Token units to mint, > 0.
     * @param depositReference The bank's reference of the deposit, non-zero.
     */
    function mint(address to, uint256 amount, bytes32 depositReference) external {
        uint256 bankId = _requireBank();
        if (amount == 0) revert SettlementTokenZeroAmount();
        if (depositReference == bytes32(0)) revert SettlementTokenZeroReference();
        _mint(to, amount);
        emit Minted(bankId, msg.sender, to, amount, depositReference);
    }

    /**
     * @notice Burns `amount` of `from`'s tokens against a withdrawal the calling bank paid out off chain.
     * @dev Callable only by an active SETTLEMENT_BANK member. Burning another member's tokens spends the
     * allowance `from` gave the bank (the member's consent to the withdrawal); a bank burns its own tokens
     * without one. Reverts with {SettlementTokenZeroAmount}, {SettlementTokenZeroReference}, and the ERC-20
     * errors {IERC20Errors-ERC20InsufficientAllowance} and {IERC20Errors-ERC20InsufficientBalance}.
     * @param from The member debited.
     * @param amount Token units to burn, > 0.
     * @param withdrawalReference The bank's reference of the withdrawal, non-zero.
     */
    function burn(address from, uint256 amount, bytes32 withdrawalReference) external {
        uint256 bankId = _requireBank();
        if (amount == 0) revert SettlementTokenZeroAmount();
        if (withdrawalReference == bytes32(0)) revert SettlementTokenZeroReference();
        if (from != msg.sender) _spendAllowance(from, msg.sender, amount);
        _burn(from, amount);
        emit Burned(bankId, msg.sender, from, amount, withdrawalReference);
    }

    /**
     * @notice Records that the calling bank paid `amount` from member `debtor` to member `creditor` off chain,
     * under payment instruction `endToEndId`, with the bank's own `bankReference`. Once per end-to-end id.
     * @dev Callable only by an active SETTLEMENT_BANK member. No tokens move. The {Clearing} contract reads
     * these records to settle a claim off chain (end-to-end id `CLM-<claim id>`). Reverts with
     * {SettlementTokenZeroReference} if `endToEndId` or `bankReference` is zero, {SettlementTokenZeroAmount},
     * {SettlementTokenUnknownMember} unless both parties are current member addresses,
     * {SettlementTokenSelfPayment} if they are the same member, and {SettlementTokenAlreadyRecorded} if
     * `endToEndId` was recorded before.
     * @param endToEndId The instruction's ISO 20022 end-to-end id, ASCII left-aligned and zero padded.
     * @param debtor Address of the paying member.
     * @param creditor Address of the paid member.
     * @param amount Amount paid, in token units.
     * @param bankReference The bank's reference of the payment.
     */
    function recordOffChainSettlement(
        bytes32 endToEndId,
        address debtor,
        address creditor,
        uint256 amount,
        bytes32 bankReference
    ) external {
        uint256 bankId = _requireBank();
        if (endToEndId == bytes32(0) || bankReference == bytes32(0)) revert SettlementTokenZeroReference();
        if (amount == 0) revert SettlementTokenZeroAmount();
        uint256 debtorId = _memberId(debtor);
        uint256 creditorId = _memberId(creditor);
        if (debtorId == creditorId) revert SettlementTokenSelfPayment(debtor);
        bytes32 recorded = _offChain[endToEndId].bankReference;
        if (recorded != bytes32(0)) revert SettlementTokenAlreadyRecorded(endToEndId, recorded);

        _offChain[endToEndId] = OffChainSettlement({
            bankId: bankId.toUint32(),
            debtorId: debtorId.toUint32(),
            creditorId: creditorId.toUint32(),
            recordedAt: block.timestamp.toUint64(),
            amount: amount,
            bankReference: bankReference
        });
        emit OffChainSettlementRecorded(endToEndId, bankId, debtorId, creditorId, amount, bankReference);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IClearingSettlementToken
    function offChainSettlement(bytes32 endToEndId) external view returns (OffChainSettlement memory) {
        return _offChain[endToEndId];
    }

    /**
     * @notice Number of decimals: one token unit is 10**-decimals of {currency}.
     * @dev Callable by anyone.
     * @return The decimals given at deployment.
     */
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /**
     * @notice ISO 4217 code of the currency the deposits are held in.
     * @dev Callable by anyone.
     * @return The three-letter code, e.g. "EUR".
     */
    function currency() external view returns (string memory) {
        return _currency;
    }

    /**
     * @notice The consortium member registry that decides who may mint, burn and hold.
     * @dev Callable by anyone.
     * @return The registry.
     */
    function consortium() external view returns (IConsortium) {
        return _consortium;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Every balance change: the recipient of a transfer or mint must be a current member address.
    function _update(address from, address to, uint256 value) internal override {
        if (to != address(0) && _consortium.memberIdOf(to) == 0) revert SettlementTokenRecipientNotMember(to);
        super._update(from, to, value);
    }

    /// @dev Reverts (with the consortium's error) unless the caller is an active SETTLEMENT_BANK member.
    function _requireBank() private view returns (uint256 bankId) {
        _consortium.requireActiveRole(_SETTLEMENT_BANK, msg.sender);
        return _consortium.memberIdOf(msg.sender);
    }

    /// @dev The member id of `account`; reverts with {SettlementTokenUnknownMember} if it has none.
    function _memberId(address account) private view returns (uint256 id) {
        id = _consortium.memberIdOf(account);
        if (id == 0) revert SettlementTokenUnknownMember(account);
    }
}
