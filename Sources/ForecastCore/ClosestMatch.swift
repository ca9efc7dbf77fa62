/// "Did you mean …?" for misspelt names: the candidate within a small edit distance of `word`.
public enum ClosestMatch {
    /// The closest candidate (case-insensitive) within Levenshtein distance `maxDistance`, the
    /// first of equals; nil when none is that close, or for words longer than 64 characters
    /// (a misspelt name is short; a pasted blob must not cost O(n²)).
    public static func among(_ candidates: [String], to word: String, maxDistance: Int = 2) -> String? {
        let w = Array(word.lowercased())
        guard w.count <= 64 else { return nil }
        var best: (candidate: String, distance: Int)? = nil
        for c in candidates {
            let cl = Array(c.lowercased())
            guard cl.count <= 64, abs(cl.count - w.count) <= maxDistance else { continue }
            let d = editDistance(w, cl)
            if d <= maxDistance && d < (best?.distance ?? .max) { best = (c, d) }
        }
        return best?.candidate
    }

    /// Levenshtein distance. O(a·b).
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
