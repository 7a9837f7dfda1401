public import FoundationEssentials

/// What to do when a schedule is due: `fires` to send now (ascending scheduled times), `missed` fires dropped, `next` the next fire after now.
public struct FirePlan: Sendable, Equatable {
    /// The scheduled times to fire now, ascending.
    public var fires: [Date]
    /// How many scheduled times were dropped by the misfire policy or the limit.
    public var missed: Int
    /// The next fire after now; nil if the rule never fires again.
    public var next: Date?

    /// A plan firing `fires`, dropping `missed`, and due again at `next`.
    public init(fires: [Date], missed: Int, next: Date?) {
        self.fires = fires
        self.missed = missed
        self.next = next
    }
}
