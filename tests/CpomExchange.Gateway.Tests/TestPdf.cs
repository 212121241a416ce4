using System.Text;

namespace CpomExchange.Gateway.Tests;

/// <summary>Small real PDFs written object by object with an exact cross-reference table (as tests/Corpus/documents/make.py does).</summary>
internal static class TestPdf
{
    /// <summary>A one-page PDF whose page says <paramref name="text"/>, its content stream padded with <paramref name="padding"/> spaces.</summary>
    public static byte[] Make(string text, int padding = 0)
    {
        var content = $"BT /F1 18 Tf 72 720 Td ({text}) Tj ET\n" + new string(' ', padding);
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>A valid PDF of exactly <paramref name="size"/> bytes.</summary>
    public static byte[] OfSize(int size)
    {
        var padding = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var pdf = Make("Taille limite", padding);
            if (pdf.Length == size)
            {
                return pdf;
            }
            padding += size - pdf.Length;
        }
        throw new InvalidOperationException($"No PDF of {size} bytes.");
    }
}
