using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace BackupTools.Configuration;

/// <summary>
/// A YAML document as the configuration loader sees it: nodes with their start position, mapping entries kept in
/// file order with duplicates (YamlDotNet's representation model throws at the first duplicate key, which would stop
/// the loader from reporting every problem). Built from YamlDotNet parser events.
/// </summary>
internal abstract class YNode
{
    protected YNode(ConfigPosition position) => Position = position;

    public ConfigPosition Position { get; }

    /// <summary>What the node is, for "expected X, found Y" messages.</summary>
    public abstract string Describe();
}

internal sealed class YScalar : YNode
{
    public YScalar(ConfigPosition position, string value, bool plain) : base(position)
    {
        Value = value;
        Plain = plain;
    }

    public string Value { get; }

    /// <summary>Written without quotes (so true, 12, ~ are typed values, not text).</summary>
    public bool Plain { get; }

    public bool IsNull => Plain && Value is "" or "~" or "null" or "Null" or "NULL";
    public bool IsBoolean => Plain && Value is "true" or "false" or "True" or "False" or "TRUE" or "FALSE";

    public override string Describe() =>
        IsNull ? "nothing (an empty value)"
        : IsBoolean ? $"the boolean {Value}"
        : Plain && long.TryParse(Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _) ? $"the number {Value}"
        : "a text value";
}

internal sealed class YSequence : YNode
{
    public YSequence(ConfigPosition position) : base(position) { }

    public List<YNode> Items { get; } = new();

    public override string Describe() => "a list";
}

internal sealed class YMapping : YNode
{
    public YMapping(ConfigPosition position) : base(position) { }

    public List<(YScalar Key, YNode Value)> Entries { get; } = new();

    public override string Describe() => "a mapping";
}

/// <summary>The syntax error that stopped parsing.</summary>
internal sealed record YamlSyntaxError(ConfigPosition Position, string Message);

internal static class ConfigYamlReader
{
    /// <summary>
    /// Parses the first document. Returns null with <paramref name="error"/> set on a syntax error; returns an empty
    /// mapping for an empty file. Aliases (*name) are followed; a key that is not a scalar is reported as an error node.
    /// </summary>
    public static YNode? Read(string text, out YamlSyntaxError? error, List<(ConfigPosition Position, string Message)> structural)
    {
        error = null;
        var last = new ConfigPosition(1, 1);
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            if (parser.Accept<DocumentEnd>(out _)) return null;
            var root = ReadNode(parser, anchors, structural, ref last);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _) && parser.Current is { } next)
                structural.Add((At(next.Start), "the file holds more than one YAML document ('---'); put everything in one"));
            return root;
        }
        catch (YamlException ex)
        {
            var reason = (ex.InnerException?.Message ?? ex.Message).Trim().TrimEnd('.');
            // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (...): "; the position is reported separately.
            var cut = reason.LastIndexOf("): ", StringComparison.Ordinal);
            if (reason.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0) reason = reason[(cut + 3)..];
            error = new YamlSyntaxError(At(ex.Start), $"not valid YAML: {reason}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections ([a, {a: b).
            error = new YamlSyntaxError(last, "not valid YAML: the parser could not go on after this point; look for an unclosed [ or { or quote");
            return null;
        }
    }

    private static ConfigPosition At(Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static YNode ReadNode(IParser parser, Dictionary<string, YNode> anchors, List<(ConfigPosition, string)> structural, ref ConfigPosition last)
    {
        var current = parser.Current ?? throw new YamlException("unexpected end of the file");
        last = At(current.Start);
        switch (current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (anchors.TryGetValue(alias.Value.Value, out var target)) return target;
                throw new YamlException(alias.Start, alias.End, $"alias *{alias.Value.Value} refers to no anchor defined before it");
            case Scalar scalar:
            {
                parser.MoveNext();
                var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Tag.IsEmpty;
                var node = new YScalar(At(scalar.Start), scalar.Value, plain);
                Remember(scalar.Anchor, node, anchors);
                return node;
            }
            case SequenceStart start:
            {
                parser.MoveNext();
                var node = new YSequence(At(start.Start));
                Remember(start.Anchor, node, anchors);
                while (!parser.TryConsume<SequenceEnd>(out _))
                    node.Items.Add(ReadNode(parser, anchors, structural, ref last));
                return node;
            }
            case MappingStart start:
            {
                parser.MoveNext();
                var node = new YMapping(At(start.Start));
                Remember(start.Anchor, node, anchors);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(parser, anchors, structural, ref last);
                    var value = ReadNode(parser, anchors, structural, ref last);
                    if (keyNode is YScalar key)
                        node.Entries.Add((key, value));
                    else
                        structural.Add((keyNode.Position, $"a key must be a plain name, not {keyNode.Describe()}"));
                }
                return node;
            }
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private static void Remember(AnchorName anchor, YNode node, Dictionary<string, YNode> anchors)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = node;
    }
}
