/// The product version every executable reports.
public enum PSyncVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
