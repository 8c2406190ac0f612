using System.Diagnostics.CodeAnalysis;

namespace LeNet.Data;

/// <summary>
/// The element type of an IDX file: the third byte of its magic number (<c>0x00000803</c> is a
/// three-dimensional file of unsigned bytes). Multi-byte values are stored big-endian.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members name the data types they stand for.")]
public enum IdxDataType : byte
{
    /// <summary>Unsigned byte (<c>0x08</c>), read as <see cref="byte"/>: MNIST's images and labels.</summary>
    UInt8 = 0x08,

    /// <summary>Signed byte (<c>0x09</c>), read as <see cref="sbyte"/>.</summary>
    Int8 = 0x09,

    /// <summary>Big-endian 16-bit integer (<c>0x0B</c>), read as <see cref="short"/>.</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit integer (<c>0x0C</c>), read as <see cref="int"/>.</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single (<c>0x0D</c>), read as <see cref="float"/>.</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE 754 double (<c>0x0E</c>), read as <see cref="double"/>.</summary>
    Float64 = 0x0E,
}
