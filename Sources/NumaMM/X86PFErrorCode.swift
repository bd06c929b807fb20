/// The x86 page-fault error code pushed by the CPU (`enum x86_pf_error_code`,
/// arch/x86/include/asm/trap_pf.h).
public struct X86PFErrorCode: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// `X86_PF_PROT`: the page was present (a protection violation, not a missing page).
    public static let prot = X86PFErrorCode(rawValue: 1 << 0)
    /// `X86_PF_WRITE`: the access was a write.
    public static let write = X86PFErrorCode(rawValue: 1 << 1)
    /// `X86_PF_USER`: the access came from user mode.
    public static let user = X86PFErrorCode(rawValue: 1 << 2)
    /// `X86_PF_RSVD`: a reserved bit was set in an entry (not produced by the model).
    public static let rsvd = X86PFErrorCode(rawValue: 1 << 3)
    /// `X86_PF_INSTR`: an instruction fetch (reported when NX is available).
    public static let instr = X86PFErrorCode(rawValue: 1 << 4)
}
