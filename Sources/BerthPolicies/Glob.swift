/// Shell-style patterns over repository paths and tags: `*` any run of
/// characters but `/`, `**` any run including `/`, `?` one character but
/// `/`, `[a-z0-9]` one character of a class (`[!…]` negates).
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let tokens: [Token]

    private enum Token: Equatable {
        case literal(Character)
        case any  // *
        case anyDeep  // **
        case one  // ?
        case set([ClosedRange<Character>], negated: Bool)
    }

    /// nil when the pattern is malformed (an unclosed `[`) or too long.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty, pattern.count <= 256 else { return nil }
        var tokens: [Token] = []
        var characters = Array(pattern)[...]
        while let c = characters.popFirst() {
            switch c {
            case "*":
                if characters.first == "*" {
                    characters.removeFirst()
                    tokens.append(.anyDeep)
                } else {
                    tokens.append(.any)
                }
            case "?": tokens.append(.one)
            case "[":
                let negated = characters.first == "!"
                if negated { characters.removeFirst() }
                var ranges: [ClosedRange<Character>] = []
                var closed = false
                while let d = characters.popFirst() {
                    if d == "]" && !ranges.isEmpty {
                        closed = true
                        break
                    }
                    if characters.first == "-", characters.count >= 2, characters[characters.index(after: characters.startIndex)] != "]" {
                        characters.removeFirst()
                        let upper = characters.removeFirst()
                        guard d <= upper else { return nil }
                        ranges.append(d...upper)
                    } else {
                        ranges.append(d...d)
                    }
                }
                guard closed else { return nil }
                tokens.append(.set(ranges, negated: negated))
            default: tokens.append(.literal(c))
            }
        }
        self.pattern = pattern
        self.tokens = tokens
    }

    public var description: String { pattern }

    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        // memo[i][j]: does tokens[i...] match characters[j...]?
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: characters.count + 1), count: tokens.count + 1)
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i][j] { return known }
            let result: Bool
            if i == tokens.count {
                result = j == characters.count
            } else {
                switch tokens[i] {
                case .anyDeep:
                    result = match(i + 1, j) || (j < characters.count && match(i, j + 1))
                case .any:
                    result = match(i + 1, j) || (j < characters.count && characters[j] != "/" && match(i, j + 1))
                case .one:
                    result = j < characters.count && characters[j] != "/" && match(i + 1, j + 1)
                case .literal(let c):
                    result = j < characters.count && characters[j] == c && match(i + 1, j + 1)
                case .set(let ranges, let negated):
                    result = j < characters.count && characters[j] != "/"
                        && ranges.contains { $0.contains(characters[j]) } != negated && match(i + 1, j + 1)
                }
            }
            memo[i][j] = result
            return result
        }
        return match(0, 0)
    }
}
