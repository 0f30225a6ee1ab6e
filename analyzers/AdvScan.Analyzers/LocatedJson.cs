using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AdvScan.Analyzers;

/// <summary>
/// A JSON value with where it sits in the file, so a config problem is reported on its own key or number.
/// The analyzers' one JSON reader (configs and the last scan's SARIF), dependency-free because an analyzer must not bring
/// a JSON library that could clash with the compiler host's. Both files may come from an attacker (a pull request), and
/// the parser recurses: nesting is bounded so a file of 100,000 '[' is a syntax error, not a stack overflow that takes
/// the compiler down with it.
/// </summary>
internal sealed class LocatedJson
{
    public LocatedJson(int start, int length, object? value) { Start = start; Length = length; Value = value; }

    /// <summary>Offset and length of the value in the text.</summary>
    public int Start { get; }
    public int Length { get; internal set; }

    /// <summary>Object members (<see cref="Member"/> list), array items (<see cref="LocatedJson"/> list), string, double, bool or null.</summary>
    public object? Value { get; }

    public List<Member>? Members => Value as List<Member>;
    public List<LocatedJson>? Items => Value as List<LocatedJson>;

    public LocatedJson? this[string key]
    {
        get
        {
            if (Members is { } members) foreach (var m in members) if (m.Key == key) return m.Value;
            return null;
        }
    }

    public sealed class Member
    {
        public Member(string key, int keyStart, int keyLength, LocatedJson value) { Key = key; KeyStart = keyStart; KeyLength = keyLength; Value = value; }
        public string Key { get; }
        public int KeyStart { get; }
        public int KeyLength { get; }
        public LocatedJson Value { get; }
    }

    /// <summary>Thrown for malformed JSON, with the offset of the problem.</summary>
    public sealed class SyntaxError : Exception
    {
        public SyntaxError(string problem, int offset) : base(problem) { Offset = offset; }
        public int Offset { get; }
    }

    public static LocatedJson Parse(string text)
    {
        var p = new Parser(text);
        var value = p.Value();
        p.SkipWhitespace();
        if (p.Pos != text.Length) throw new SyntaxError("unexpected characters after the JSON value", p.Pos);
        return value;
    }

    private sealed class Parser
    {
        private const int MaxDepth = 256;
        private readonly string t;
        private int depth;
        public int Pos;

        public Parser(string text) => t = text;

        public LocatedJson Value()
        {
            SkipWhitespace();
            if (Pos >= t.Length) throw new SyntaxError("unexpected end of file", Pos);
            int start = Pos;
            switch (t[Pos])
            {
                case '{': return Nested(() => Object(start));
                case '[': return Nested(() => Array(start));
                case '"': var s = String(); return new LocatedJson(start, Pos - start, s);
                case 't': return Literal(start, "true", true);
                case 'f': return Literal(start, "false", false);
                case 'n': return Literal(start, "null", null);
                default: return Number(start);
            }
        }

        private LocatedJson Nested(Func<LocatedJson> parse)
        {
            if (++depth > MaxDepth) throw new SyntaxError($"nested deeper than {MaxDepth} levels", Pos);
            try { return parse(); }
            finally { depth--; }
        }

        private LocatedJson Object(int start)
        {
            var members = new List<Member>();
            Pos++;
            SkipWhitespace();
            if (Peek() == '}') { Pos++; return new LocatedJson(start, Pos - start, members); }
            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"') throw new SyntaxError("expected a property name in double quotes", Pos);
                int keyStart = Pos;
                var key = String();
                int keyLength = Pos - keyStart;
                SkipWhitespace();
                Expect(':');
                members.Add(new Member(key, keyStart, keyLength, Value()));
                SkipWhitespace();
                if (Peek() == ',') { Pos++; continue; }
                Expect('}');
                return new LocatedJson(start, Pos - start, members);
            }
        }

        private LocatedJson Array(int start)
        {
            var items = new List<LocatedJson>();
            Pos++;
            SkipWhitespace();
            if (Peek() == ']') { Pos++; return new LocatedJson(start, Pos - start, items); }
            while (true)
            {
                items.Add(Value());
                SkipWhitespace();
                if (Peek() == ',') { Pos++; continue; }
                Expect(']');
                return new LocatedJson(start, Pos - start, items);
            }
        }

        private string String()
        {
            Pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (Pos >= t.Length || t[Pos] == '\n') throw new SyntaxError("unterminated string", Pos);
                var c = t[Pos++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (Pos >= t.Length) throw new SyntaxError("unterminated escape", Pos);
                var e = t[Pos++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u':
                        if (Pos + 4 > t.Length || !int.TryParse(t.Substring(Pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                            throw new SyntaxError("bad \\u escape", Pos);
                        sb.Append((char)code);
                        Pos += 4;
                        break;
                    default: sb.Append(e); break;
                }
            }
        }

        private LocatedJson Number(int start)
        {
            while (Pos < t.Length && "+-0123456789.eE".IndexOf(t[Pos]) >= 0) Pos++;
            if (start == Pos || !double.TryParse(t.Substring(start, Pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw new SyntaxError(start < t.Length ? $"unexpected '{t[start]}'" : "unexpected end of file", start);
            return new LocatedJson(start, Pos - start, d);
        }

        private LocatedJson Literal(int start, string word, object? value)
        {
            if (string.CompareOrdinal(t, Pos, word, 0, word.Length) != 0) throw new SyntaxError($"expected {word}", Pos);
            Pos += word.Length;
            return new LocatedJson(start, word.Length, value);
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw new SyntaxError($"expected '{c}'", Pos);
            Pos++;
        }

        private char Peek() => Pos < t.Length ? t[Pos] : '\0';

        public void SkipWhitespace()
        {
            while (Pos < t.Length && char.IsWhiteSpace(t[Pos])) Pos++;
        }
    }
}
