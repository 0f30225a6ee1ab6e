using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AdvScan.Analyzers;

/// <summary>
/// Just enough JSON to read a scan's SARIF (<see cref="SarifGate"/>). The analyzers load in every compiler host (the
/// SDK's, Visual Studio's), where a JSON library of their own could clash with the host's, so they carry none; the
/// MSBuild task, which runs where MSBuild provides System.Text.Json, uses that instead.
/// Objects become <see cref="Dictionary{TKey,TValue}"/>, arrays <see cref="List{T}"/>, strings, doubles, bools, null.
/// Validating the config is the CLI's job; a malformed file throws <see cref="FormatException"/> here.
/// </summary>
internal sealed class MiniJson
{
    private readonly string _text;
    private int _pos;

    private MiniJson(string text) => _text = text;

    public static object? Parse(string text)
    {
        var reader = new MiniJson(text);
        var value = reader.Value();
        reader.SkipWhitespace();
        if (reader._pos != text.Length) throw reader.Error("trailing characters");
        return value;
    }

    private object? Value()
    {
        SkipWhitespace();
        if (_pos >= _text.Length) throw Error("unexpected end");
        switch (_text[_pos])
        {
            case '{': return ObjectValue();
            case '[': return ArrayValue();
            case '"': return StringValue();
            case 't': return Literal("true", true);
            case 'f': return Literal("false", false);
            case 'n': return Literal("null", null);
            default: return NumberValue();
        }
    }

    private Dictionary<string, object?> ObjectValue()
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        _pos++;
        SkipWhitespace();
        if (Peek() == '}') { _pos++; return result; }
        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"') throw Error("expected a property name");
            var key = StringValue();
            SkipWhitespace();
            Expect(':');
            result[key] = Value();
            SkipWhitespace();
            if (Peek() == ',') { _pos++; continue; }
            Expect('}');
            return result;
        }
    }

    private List<object?> ArrayValue()
    {
        var result = new List<object?>();
        _pos++;
        SkipWhitespace();
        if (Peek() == ']') { _pos++; return result; }
        while (true)
        {
            result.Add(Value());
            SkipWhitespace();
            if (Peek() == ',') { _pos++; continue; }
            Expect(']');
            return result;
        }
    }

    private string StringValue()
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            var c = _text[_pos++];
            if (c == '"') return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _text.Length) throw Error("unterminated escape");
            var e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u':
                    if (_pos + 4 > _text.Length) throw Error("bad \\u escape");
                    sb.Append((char)int.Parse(_text.Substring(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    _pos += 4;
                    break;
                default: sb.Append(e); break;
            }
        }
    }

    private object NumberValue()
    {
        var start = _pos;
        while (_pos < _text.Length && "+-0123456789.eE".IndexOf(_text[_pos]) >= 0) _pos++;
        if (start == _pos) throw Error($"unexpected '{_text[_pos]}'");
        return double.Parse(_text.Substring(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private object? Literal(string word, object? value)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) throw Error($"expected {word}");
        _pos += word.Length;
        return value;
    }

    private void Expect(char c)
    {
        if (Peek() != c) throw Error($"expected '{c}'");
        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private FormatException Error(string problem) => new FormatException($"{problem} at offset {_pos}");
}
