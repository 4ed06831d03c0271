using System.Text;
using System.Text.RegularExpressions;

namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// Cloud Storage's <c>matchGlob</c> syntax for <c>objects.list</c>: <c>*</c> matches any run of characters without
/// <c>/</c>, <c>**</c> any run including <c>/</c> (<c>**/</c> also matches nothing), <c>?</c> one character other
/// than <c>/</c>, <c>[abc]</c>/<c>[a-z]</c>/<c>[!a]</c> a character class, <c>{x,y}</c> alternatives.
/// </summary>
internal static class GlobPattern
{
    public static Regex ToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        var braces = 0;
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    i++;
                    if (i + 1 < glob.Length && glob[i + 1] == '/')
                    {
                        i++;
                        sb.Append("(?:.*/)?");
                    }
                    else
                    {
                        sb.Append(".*");
                    }

                    break;
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                    var close = glob.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        throw new InvalidDataException($"matchGlob '{glob}' has an unclosed '['.");
                    }

                    var body = glob[(i + 1)..close];
                    sb.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]).Replace("\\-", "-", StringComparison.Ordinal) : Regex.Escape(body).Replace("\\-", "-", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                case '{':
                    braces++;
                    sb.Append("(?:");
                    break;
                case '}' when braces > 0:
                    braces--;
                    sb.Append(')');
                    break;
                case ',' when braces > 0:
                    sb.Append('|');
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        if (braces != 0)
        {
            throw new InvalidDataException($"matchGlob '{glob}' has an unclosed '{{'.");
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }
}
