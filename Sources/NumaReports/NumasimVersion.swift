/// numasim's version, written once: `numasim --version` prints `numasim` and it, and every JSON
/// document that names the numasim that wrote it (`numasim_version`) holds it.
public enum NumasimVersion {
    public static let number = "0.1.0"
    /// What `numasim --version` prints.
    public static var line: String { "numasim \(number)" }
}
