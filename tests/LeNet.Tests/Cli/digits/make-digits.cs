// Makes the digit pictures the CLI and web tests classify (this folder).
//
//   dotnet run tests/LeNet.Tests/Cli/digits/make-digits.cs -- tests/LeNet.Tests/Data/mnist-subset tests/LeNet.Tests/Cli/digits
//
// From MNIST (the committed test subset, so their labels are known; attribution in its README):
//   mnist-test-0-label-7.png   test image 0, scaled ×4 (nearest neighbour), inverted: black ink on white
//   mnist-test-1-label-2.jpg   test image 1, scaled ×3, grey JPEG (quality 90), white ink on black
//   mnist-test-N-label-L.pgm   test images 2 to 5 as they are: 28×28 binary PGMs, white ink on black
// Drawn here with thick strokes on a 200×200 page (our own, not MNIST):
//   drawn-0.png   a ring, dark blue ink on a light yellow page (colour, to exercise grey conversion)
//   drawn-1.png   a vertical stroke with a short flag, black on white
//   drawn-7.png   a top bar and a diagonal, white on black
//   drawn-N.pgm   the same three as grey PGMs (for the package test's app, which has no image decoder)
// It reads the IDX files itself (not with LeNet's reader) and is not part of the test project.
#:package StbImageWriteSharp
using System.Buffers.Binary;
using System.IO.Compression;
using StbImageWriteSharp;

string subset = args[0], output = args[1];
byte[] images = Gunzip(Path.Combine(subset, "t10k-images-idx3-ubyte.gz"));
byte[] labels = Gunzip(Path.Combine(subset, "t10k-labels-idx1-ubyte.gz"));
byte[] Image(int i) => images.AsSpan(16 + (i * 784), 784).ToArray();
int Label(int i) => labels[8 + i];

byte[] first = Scale(Image(0), 28, 4);
for (int i = 0; i < first.Length; i++)
{
    first[i] = (byte)(255 - first[i]);
}

Png(Path.Combine(output, $"mnist-test-0-label-{Label(0)}.png"), first, 112, 112, ColorComponents.Grey);
using (var jpeg = File.Create(Path.Combine(output, $"mnist-test-1-label-{Label(1)}.jpg")))
{
    new ImageWriter().WriteJpg(Scale(Image(1), 28, 3), 84, 84, ColorComponents.Grey, jpeg, 90);
}

for (int i = 2; i <= 5; i++)
{
    Pgm(Path.Combine(output, $"mnist-test-{i}-label-{Label(i)}.pgm"), Image(i), 28, 28);
}

const int Side = 200;
bool[] zero = Draw(p => Math.Abs(Math.Sqrt(Sq((p.X - 100) / 0.62) + Sq(p.Y - 100)) - 62) < 9);
bool[] one = Draw(p => NearSegment(p, (104, 30), (104, 172)) || NearSegment(p, (104, 30), (80, 56)));
bool[] seven = Draw(p => NearSegment(p, (50, 40), (150, 40)) || NearSegment(p, (150, 40), (85, 170)));
Png(Path.Combine(output, "drawn-0.png"), Colour(zero), Side, Side, ColorComponents.RedGreenBlue);
Png(Path.Combine(output, "drawn-1.png"), Grey(one, ink: 0, page: 255), Side, Side, ColorComponents.Grey);
Png(Path.Combine(output, "drawn-7.png"), Grey(seven, ink: 255, page: 0), Side, Side, ColorComponents.Grey);
Pgm(Path.Combine(output, "drawn-0.pgm"), Grey(zero, ink: 20, page: 240), Side, Side);
Pgm(Path.Combine(output, "drawn-1.pgm"), Grey(one, ink: 0, page: 255), Side, Side);
Pgm(Path.Combine(output, "drawn-7.pgm"), Grey(seven, ink: 255, page: 0), Side, Side);
return 0;

static void Pgm(string path, byte[] grey, int width, int height) =>
    File.WriteAllBytes(path, [.. System.Text.Encoding.ASCII.GetBytes($"P5\n{width} {height}\n255\n"), .. grey]);

static double Sq(double v) => v * v;

static bool NearSegment((double X, double Y) p, (double X, double Y) a, (double X, double Y) b)
{
    double t = Math.Clamp((((p.X - a.X) * (b.X - a.X)) + ((p.Y - a.Y) * (b.Y - a.Y))) / (Sq(b.X - a.X) + Sq(b.Y - a.Y)), 0, 1);
    return Math.Sqrt(Sq(p.X - (a.X + (t * (b.X - a.X)))) + Sq(p.Y - (a.Y + (t * (b.Y - a.Y))))) < 10;
}

static bool[] Draw(Func<(double X, double Y), bool> ink)
{
    var mask = new bool[Side * Side];
    for (int y = 0; y < Side; y++)
    {
        for (int x = 0; x < Side; x++)
        {
            mask[(y * Side) + x] = ink((x + 0.5, y + 0.5));
        }
    }

    return mask;
}

static byte[] Grey(bool[] mask, byte ink, byte page) => mask.Select(m => m ? ink : page).ToArray();

static byte[] Colour(bool[] mask) => mask.SelectMany(m => m ? new byte[] { 20, 40, 140 } : new byte[] { 250, 244, 200 }).ToArray();

static byte[] Scale(byte[] image, int side, int factor)
{
    var scaled = new byte[side * side * factor * factor];
    for (int y = 0; y < side * factor; y++)
    {
        for (int x = 0; x < side * factor; x++)
        {
            scaled[(y * side * factor) + x] = image[((y / factor) * side) + (x / factor)];
        }
    }

    return scaled;
}

static void Png(string path, byte[] pixels, int width, int height, ColorComponents components)
{
    using var file = File.Create(path);
    new ImageWriter().WritePng(pixels, width, height, components, file);
}

static byte[] Gunzip(string path)
{
    using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    using var memory = new MemoryStream();
    gzip.CopyTo(memory);
    byte[] data = memory.ToArray();
    if (BinaryPrimitives.ReadInt32BigEndian(data) is not (0x0803 or 0x0801))
    {
        throw new InvalidDataException($"{path}: not an IDX file of unsigned bytes");
    }

    return data;
}
