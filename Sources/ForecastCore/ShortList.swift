extension Collection where Element == String {
    /// The items joined by `separator`, at most `limit` of them, then "… and N more": a message
    /// about a file with five million columns must not be five million names long. O(limit).
    public func listed(separator: String = ", ", limit: Int = 12) -> String {
        let shown = prefix(Swift.max(limit, 1))
        let rest = count - shown.count
        return shown.joined(separator: separator) + (rest > 0 ? "\(separator)… and \(rest) more" : "")
    }
}
