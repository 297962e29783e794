import XCTest
@testable import KilnSpec

/// "Did you mean" compares words with a bounded edit distance: the same suggestions as the
/// full table, without its cost on long words.
final class DidYouMeanBoundTests: XCTestCase {
    /// The full optimal-string-alignment table, as the suggestions were computed before.
    func fullDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    func testBoundedDistanceAgreesWithTheFullTable() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abAB_")
        for _ in 0..<3_000 {
            let a = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let b = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let full = fullDistance(a, b)
            for bound in 0...6 {
                XCTAssertEqual(editDistance(a, b, atMost: bound), full <= bound ? full : nil, "\(String(a)) \(String(b)) \(bound)")
            }
        }
    }

    /// 10x the 20,000 characters that took 8.4 s and 3.1 GB: no suggestion, at once.
    func testLongWordsGetNoSuggestionQuickly() {
        let long = String(repeating: "nmae", count: 50_000)
        XCTAssertNil(didYouMean(long, among: ["name", long.uppercased() + "x", String(repeating: "name", count: 50_000)]))
        XCTAssertEqual(didYouMean(String(repeating: "a", count: 127) + "b", among: ["c", String(repeating: "a", count: 128)]),
                       String(repeating: "a", count: 128))
    }
}
