using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace LeNet.IO;

/// <summary>
/// A restricted unpickler for what <c>torch.save(state_dict)</c> writes (pickle protocols 2 to 5, and the
/// text opcodes of protocol 0/1 a hand-made pickle may use), after the idea of PyTorch's <c>weights_only</c>
/// loader: it builds plain values (None, bool, int, float, str, bytes, tuple as <c>object?[]</c>, list as
/// <c>List&lt;object?&gt;</c>, dict as <see cref="PickleDict"/>) and a fixed allow-list of globals, and
/// never imports or calls anything Python.
/// </summary>
/// <remarks>
/// Any other global (a pickled class, <c>os.system</c>, <c>builtins.eval</c>, …) is refused the moment the
/// pickle names it, before anything could be called. The input is untrusted: every length is checked
/// against the bytes left, the stack, mark stack and memo are bounded, integers wider than 64 bits are
/// refused, and each opcode consumes at least one byte, so the work is linear in the pickle's size.
/// </remarks>
internal sealed class PickleReader
{
    /// <summary>The most values on the stack, marks, and memo entries (each a small fraction of a byte budget).</summary>
    private const int MaxEntries = 1 << 22;

    private readonly byte[] _data;
    private readonly int _end;
    private readonly string _source;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    private PickleReader(byte[] data, int start, int end, string source, Func<object?, object?> persistentLoad)
    {
        _data = data;
        _position = start;
        _end = end;
        _source = source;
        _persistentLoad = persistentLoad;
    }

    /// <summary>The allowed globals that are plain values or callables the reader understands.</summary>
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.Size",
        "torch.device",
        "_codecs.encode",
        "torch.float32", "torch.float64", "torch.float16", "torch.bfloat16", "torch.int64", "torch.int32",
        "torch.int16", "torch.int8", "torch.uint8", "torch.bool",
    };

    /// <summary>Storage classes (<c>torch.FloatStorage</c>) by name, with their element type.</summary>
    internal static readonly IReadOnlyDictionary<string, TorchDType> StorageTypes = new Dictionary<string, TorchDType>(StringComparer.Ordinal)
    {
        ["FloatStorage"] = TorchDType.Float32,
        ["DoubleStorage"] = TorchDType.Float64,
        ["HalfStorage"] = TorchDType.Float16,
        ["BFloat16Storage"] = TorchDType.BFloat16,
        ["LongStorage"] = TorchDType.Int64,
        ["IntStorage"] = TorchDType.Int32,
        ["ShortStorage"] = TorchDType.Int16,
        ["CharStorage"] = TorchDType.Int8,
        ["ByteStorage"] = TorchDType.UInt8,
        ["BoolStorage"] = TorchDType.Bool,
    };

    /// <summary>Storage classes that exist in torch but hold what a float32 model cannot take.</summary>
    private static readonly HashSet<string> UnsupportedStorageTypes = new(StringComparer.Ordinal)
    {
        "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage",
    };

    /// <summary>
    /// Unpickles one pickle starting at <paramref name="position"/> and moves it past the STOP opcode.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <param name="position">Where the pickle starts; on return, where the next byte after it is.</param>
    /// <param name="end">The end of the readable bytes.</param>
    /// <param name="source">The file, for messages.</param>
    /// <param name="persistentLoad">Turns a persistent id (BINPERSID) into a value; it validates the id.</param>
    /// <returns>The unpickled value.</returns>
    /// <exception cref="InvalidDataException">The pickle is malformed or names a global outside the allow-list.</exception>
    public static object? Load(byte[] data, ref int position, int end, string source, Func<object?, object?> persistentLoad)
    {
        var reader = new PickleReader(data, position, end, source, persistentLoad);
        object? value = reader.Run();
        position = reader._position;
        return value;
    }

    [DoesNotReturn]
    internal static void Throw(string source, string problem) => throw new InvalidDataException($"Invalid PyTorch file {source}: {problem}.");

    private InvalidDataException Error(string problem) => new($"Invalid PyTorch file {_source}: {problem} (pickle byte {_position}).");

    private object? Run()
    {
        while (true)
        {
            int at = _position;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Error($"pickle protocol {protocol} is not supported (2 to 5 are)");
                    }

                    break;
                case 0x95: // FRAME: an 8-byte length; frames are only a buffering hint
                    ulong frame = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                    if (frame > (ulong)(_end - _position))
                    {
                        throw Error($"a frame of {frame} bytes is longer than the {_end - _position} bytes left");
                    }

                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0)
                    {
                        throw Error($"STOP with {_stack.Count} values on the stack and {_marks.Count} open marks, expected exactly one value");
                    }

                    return _stack[0];
                case (byte)'(': // MARK
                    Bound(_marks.Count);
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'N':
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    int longLength = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (longLength < 0)
                    {
                        throw Error($"LONG4 has a negative length {longLength}");
                    }

                    Push(ReadLong(longLength));
                    break;
                case (byte)'I': // INT (text): also True/False in protocol 0
                    string intText = ReadLine();
                    Push(intText switch
                    {
                        "01" => true,
                        "00" => false,
                        _ => ParseLong(intText),
                    });
                    break;
                case (byte)'L': // LONG (text)
                    Push(ParseLong(ReadLine().TrimEnd('L')));
                    break;
                case (byte)'G': // BINFLOAT, big-endian
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case (byte)'F': // FLOAT (text)
                    string floatText = ReadLine();
                    if (!double.TryParse(floatText, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
                    {
                        throw Error($"FLOAT '{Shorten(floatText)}' is not a number");
                    }

                    Push(parsed);
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadUtf8(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte()));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(BinaryPrimitives.ReadUInt64LittleEndian(Take(8))));
                    break;
                case (byte)'T': // BINSTRING (Python 2 str): ASCII in torch's files
                    Push(Encoding.Latin1.GetString(Take(Length(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))));
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    Push(Encoding.Latin1.GetString(Take(ReadByte())));
                    break;
                case (byte)'B': // BINBYTES
                    Push(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray());
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(Take(ReadByte()).ToArray());
                    break;
                case 0x8e: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    Push(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    Push(Array.Empty<object?>());
                    break;
                case 0x85: // TUPLE1
                    Push(new[] { Pop() });
                    break;
                case 0x86: // TUPLE2
                    {
                        object? b = Pop(), a = Pop();
                        Push(new[] { a, b });
                        break;
                    }

                case 0x87: // TUPLE3
                    {
                        object? c = Pop(), b = Pop(), a = Pop();
                        Push(new[] { a, b, c });
                        break;
                    }

                case (byte)'t': // TUPLE
                    Push(PopMark().ToArray());
                    break;
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)'l': // LIST
                    Push(PopMark());
                    break;
                case (byte)'a': // APPEND
                    {
                        object? item = Pop();
                        ListAt(_stack.Count - 1, "APPEND").Add(item);
                        break;
                    }

                case (byte)'e': // APPENDS
                    {
                        List<object?> items = PopMark();
                        ListAt(_stack.Count - 1, "APPENDS").AddRange(items);
                        break;
                    }

                case 0x8f: // EMPTY_SET: kept as a list
                    Push(new List<object?>());
                    break;
                case 0x90: // ADDITEMS
                    {
                        List<object?> items = PopMark();
                        ListAt(_stack.Count - 1, "ADDITEMS").AddRange(items);
                        break;
                    }

                case 0x91: // FROZENSET
                    Push(PopMark());
                    break;
                case (byte)'}': // EMPTY_DICT
                    Push(new PickleDict(ordered: false));
                    break;
                case (byte)'d': // DICT
                    {
                        List<object?> items = PopMark();
                        var dict = new PickleDict(ordered: false);
                        SetItems(dict, items);
                        Push(dict);
                        break;
                    }

                case (byte)'s': // SETITEM
                    {
                        object? value = Pop(), key = Pop();
                        DictAt(_stack.Count - 1, "SETITEM").Set(key, value);
                        break;
                    }

                case (byte)'u': // SETITEMS
                    {
                        List<object?> items = PopMark();
                        SetItems(DictAt(_stack.Count - 1, "SETITEMS"), items);
                        break;
                    }

                case (byte)'0': // POP
                    if (_marks.Count > 0 && _marks[^1] == _stack.Count)
                    {
                        _marks.RemoveAt(_marks.Count - 1);
                    }
                    else
                    {
                        Pop();
                    }

                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;
                case (byte)'q': // BINPUT
                    Put(ReadByte());
                    break;
                case (byte)'r': // LONG_BINPUT
                    Put(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));
                    break;
                case (byte)'p': // PUT (text)
                    Put(ParseLong(ReadLine()));
                    break;
                case 0x94: // MEMOIZE
                    Put(_memo.Count);
                    break;
                case (byte)'h': // BINGET
                    Get(ReadByte());
                    break;
                case (byte)'j': // LONG_BINGET
                    Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));
                    break;
                case (byte)'g': // GET (text)
                    Get(ParseLong(ReadLine()));
                    break;
                case (byte)'c': // GLOBAL: "module\nname\n"
                    {
                        string module = ReadLine(), name = ReadLine();
                        Push(Resolve(module, name));
                        break;
                    }

                case 0x93: // STACK_GLOBAL
                    {
                        object? name = Pop(), module = Pop();
                        if (module is not string m || name is not string n)
                        {
                            throw Error("STACK_GLOBAL needs a module and a name that are strings");
                        }

                        Push(Resolve(m, n));
                        break;
                    }

                case (byte)'i': // INST: names a class inline, which is never allowed
                    {
                        string module = ReadLine(), name = ReadLine();
                        Resolve(module, name);
                        throw Error($"INST of '{module}.{name}' (instantiating a class) is not allowed");
                    }

                case (byte)'o': // OBJ
                    throw Error("OBJ (instantiating a class) is not allowed");
                case (byte)'R': // REDUCE
                    {
                        object? args = Pop(), callable = Pop();
                        Push(Call(callable, args, "REDUCE"));
                        break;
                    }

                case 0x81: // NEWOBJ: cls.__new__(cls, *args)
                    {
                        object? args = Pop(), cls = Pop();
                        Push(Call(cls, args, "NEWOBJ"));
                        break;
                    }

                case (byte)'b': // BUILD: obj.__setstate__(state); only an OrderedDict's attributes (_metadata)
                    {
                        object? state = Pop();
                        object? target = Peek();
                        if (target is not PickleDict)
                        {
                            throw Error($"BUILD on a {Describe(target)} is not allowed (only an OrderedDict's attributes, such as a state dict's _metadata)");
                        }

                        if (state is not (PickleDict or null or object?[]))
                        {
                            throw Error($"BUILD with a {Describe(state)} as the state");
                        }

                        break;
                    }

                case (byte)'Q': // BINPERSID
                    Push(_persistentLoad(Pop()));
                    break;
                case (byte)'P': // PERSID (text)
                    throw Error("a text persistent id (PERSID) is not what torch.save writes");
                case 0x92: // NEWOBJ_EX
                    throw Error("NEWOBJ_EX (instantiating a class with keyword arguments) is not allowed");
                case 0x82 or 0x83 or 0x84: // EXT1/2/4
                    throw Error("extension-registry opcodes (EXT1/EXT2/EXT4) are not allowed");
                case 0x97 or 0x98: // NEXT_BUFFER, READONLY_BUFFER
                    throw Error("out-of-band buffers (pickle protocol 5) are not supported");
                default:
                    _position = at;
                    throw Error($"unknown or unsupported pickle opcode 0x{op:x2}");
            }
        }
    }

    /// <summary>Looks a global up in the allow-list; anything else is refused here, before it could be used.</summary>
    private PickleGlobal Resolve(string module, string name)
    {
        string full = module + "." + name;
        if (Allowed.Contains(full))
        {
            return new PickleGlobal(module, name);
        }

        if (module is "torch" or "torch.storage" or "torch.cuda")
        {
            if (StorageTypes.ContainsKey(name))
            {
                return new PickleGlobal("torch", name);
            }

            if (UnsupportedStorageTypes.Contains(name))
            {
                throw Error($"storage type '{full}' is not supported (float32, float64, float16, bfloat16 and integer storages are)");
            }
        }

        if (full == "torch.storage._load_from_bytes")
        {
            throw Error($"refused the Python global '{full}': it runs torch.load on embedded bytes (a storage pickled outside torch.save's persistent ids); only state dicts can be loaded");
        }

        bool looksLikeClass = module == "__main__" || module.StartsWith("__main__.", StringComparison.Ordinal) ||
            module.StartsWith("torch.nn.modules", StringComparison.Ordinal) || module.StartsWith("__torch__", StringComparison.Ordinal) ||
            (name.Length > 0 && char.IsUpper(name[0]) && !module.StartsWith("builtins", StringComparison.Ordinal) && module is not ("posix" or "nt" or "os" or "subprocess"));
        if (looksLikeClass)
        {
            throw Error($"the file holds a pickled class '{Shorten(full)}' (a whole model saved with torch.save(model)?); classes are refused because unpickling them runs code. " +
                "Only state dicts can be loaded: in PyTorch, save one with torch.save(model.state_dict(), path) and load that file");
        }

        throw Error($"refused the Python global '{Shorten(full)}': unpickling it could run code; only state dicts (tensors, dicts, lists, numbers, strings) can be loaded");
    }

    /// <summary>REDUCE/NEWOBJ: the few allowed callables, evaluated here in C#.</summary>
    private object? Call(object? callable, object? args, string opcode)
    {
        if (callable is not PickleGlobal function)
        {
            throw Error($"{opcode} of a {Describe(callable)}, which is not callable");
        }

        if (args is not object?[] a)
        {
            throw Error($"{opcode} of '{function}' with a {Describe(args)} as the arguments, expected a tuple");
        }

        switch (function.FullName)
        {
            case "collections.OrderedDict":
                var dict = new PickleDict(ordered: true);
                if (a.Length == 1 && a[0] is List<object?> pairs)
                {
                    foreach (object? pair in pairs)
                    {
                        if (pair is not (object?[] or List<object?>) || Items(pair).Count != 2)
                        {
                            throw Error("OrderedDict(...) with an item that is not a (key, value) pair");
                        }

                        dict.Set(Items(pair)[0], Items(pair)[1]);
                    }
                }
                else if (a.Length != 0)
                {
                    throw Error($"OrderedDict with {a.Length} arguments");
                }

                return dict;
            case "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor":
                return RebuildTensor(a, function.Name);
            case "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state":
                if (a.Length < 1 || a[0] is not TorchTensorRef data)
                {
                    throw Error($"{function.Name} without a tensor as its first argument");
                }

                return data;
            case "torch.Size":
                if (a.Length == 0)
                {
                    return Array.Empty<object?>();
                }

                if (a.Length != 1 || a[0] is not (object?[] or List<object?>) || Items(a[0]).Any(d => d is not long))
                {
                    throw Error("torch.Size(...) of something other than a tuple of integers");
                }

                return Items(a[0]).ToArray();
            case "torch.device":
                if (a.Length is < 1 or > 2 || a[0] is not string device)
                {
                    throw Error("torch.device(...) without a device name");
                }

                return device;
            case "_codecs.encode":
                if (a.Length is < 1 or > 2 || a[0] is not string text || (a.Length == 2 && a[1] is not "latin1" and not "latin-1"))
                {
                    throw Error("_codecs.encode(...) other than (text, 'latin1')");
                }

                return Encoding.Latin1.GetBytes(text);
            default:
                throw Error($"calling '{function}' is not allowed");
        }
    }

    /// <summary><c>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])</c>.</summary>
    private TorchTensorRef RebuildTensor(object?[] a, string name)
    {
        if (a.Length < 4 || a[0] is not TorchStorage storage || a[1] is not long offset)
        {
            throw Error($"{name} needs (storage, storage_offset, size, stride, ...)");
        }

        long[] shape = Dimensions(a[2], name, "size");
        long[] stride = Dimensions(a[3], name, "stride");
        if (shape.Length != stride.Length)
        {
            throw Error($"{name}: size has {shape.Length} dimensions but stride has {stride.Length}");
        }

        if (shape.Length > 64)
        {
            throw Error($"{name}: {shape.Length} dimensions, more than 64");
        }

        if (offset < 0)
        {
            throw Error($"{name}: negative storage offset {offset}");
        }

        return new TorchTensorRef(storage, offset, shape, stride);
    }

    private long[] Dimensions(object? value, string function, string what)
    {
        if (value is not (object?[] or List<object?>))
        {
            throw Error($"{function}: {what} is a {Describe(value)}, expected a tuple of integers");
        }

        IReadOnlyList<object?> items = Items(value);
        var result = new long[items.Count];
        for (int i = 0; i < result.Length; i++)
        {
            if (items[i] is not long d || d < 0)
            {
                throw Error($"{function}: {what}[{i}] is {Describe(items[i])}, expected an integer ≥ 0");
            }

            result[i] = d;
        }

        return result;
    }

    private static IReadOnlyList<object?> Items(object? sequence) => sequence switch
    {
        object?[] tuple => tuple,
        List<object?> list => list,
        _ => [],
    };

    private void SetItems(PickleDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0)
        {
            throw Error($"{items.Count} values to set as dict items, an odd number");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            dict.Set(items[i], items[i + 1]);
        }
    }

    private List<object?> ListAt(int index, string opcode)
    {
        if (index < 0 || _stack[index] is not List<object?> list || (_marks.Count > 0 && _marks[^1] > index))
        {
            throw Error($"{opcode} on a {(index < 0 ? "missing value" : Describe(_stack[index]))}, expected a list");
        }

        return list;
    }

    private PickleDict DictAt(int index, string opcode)
    {
        if (index < 0 || _stack[index] is not PickleDict dict || (_marks.Count > 0 && _marks[^1] > index))
        {
            throw Error($"{opcode} on a {(index < 0 ? "missing value" : Describe(_stack[index]))}, expected a dict");
        }

        return dict;
    }

    /// <summary>A short description of a value for messages.</summary>
    internal static string Describe(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => "int " + l.ToString(CultureInfo.InvariantCulture),
        double => "float",
        string s => $"str '{Shorten(s)}'",
        byte[] => "bytes",
        object?[] => "tuple",
        List<object?> => "list",
        PickleDict => "dict",
        PickleGlobal g => $"global '{g}'",
        TorchStorage => "storage",
        TorchTensorRef => "tensor",
        _ => value.GetType().Name,
    };

    /// <summary>Text from the file for a message: at most 80 characters, control characters as '?'.</summary>
    internal static string Shorten(string text)
    {
        string shown = text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
        return shown.Any(char.IsControl) ? new string([.. shown.Select(c => char.IsControl(c) ? '?' : c)]) : shown;
    }

    private void Push(object? value)
    {
        Bound(_stack.Count);
        _stack.Add(value);
    }

    private void Bound(int count)
    {
        if (count >= MaxEntries)
        {
            throw Error($"more than {MaxEntries} values on the pickle stack");
        }
    }

    private object? Pop()
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor)
        {
            throw Error("a value was expected but the stack is empty (or stops at a mark)");
        }

        object? value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek()
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count <= floor)
        {
            throw Error("a value was expected but the stack is empty (or stops at a mark)");
        }

        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw Error("an opcode needs a MARK but there is none");
        }

        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        List<object?> items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private void Put(long index)
    {
        if (index < 0)
        {
            throw Error($"memo index {index} is negative");
        }

        if (!_memo.ContainsKey(index))
        {
            Bound(_memo.Count);
        }

        _memo[index] = Peek();
    }

    private void Get(long index)
    {
        if (!_memo.TryGetValue(index, out object? value))
        {
            throw Error($"memo index {index} was never stored");
        }

        Push(value);
    }

    private byte ReadByte()
    {
        if (_position >= _end)
        {
            throw Error("the pickle ends without a STOP opcode");
        }

        return _data[_position++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _end - _position)
        {
            throw Error($"a value of {count} bytes is longer than the {_end - _position} bytes left");
        }

        var span = new ReadOnlySpan<byte>(_data, _position, count);
        _position += count;
        return span;
    }

    private int Length(ulong length)
    {
        if (length > (ulong)(_end - _position))
        {
            throw Error($"a value of {length} bytes is longer than the {_end - _position} bytes left");
        }

        return (int)length;
    }

    private int Length(long length) => length < 0 ? Length(ulong.MaxValue) : Length((ulong)length);

    private string ReadUtf8(ulong length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(Length(length)));
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8");
        }
    }

    /// <summary>A text opcode's argument: the bytes up to the next newline (at most 1,000).</summary>
    private string ReadLine()
    {
        int limit = Math.Min(_end, _position + 1000);
        int newline = Array.IndexOf(_data, (byte)'\n', _position, limit - _position);
        if (newline < 0)
        {
            throw Error("a text argument has no newline within 1,000 bytes");
        }

        string line = Encoding.UTF8.GetString(_data, _position, newline - _position);
        _position = newline + 1;
        return line;
    }

    private long ParseLong(string text)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw Error($"'{Shorten(text)}' is not a 64-bit integer");
        }

        return value;
    }

    /// <summary>LONG1/LONG4: a little-endian two's-complement integer of <paramref name="length"/> bytes.</summary>
    private long ReadLong(int length)
    {
        if (length > 8)
        {
            throw Error($"an integer of {length} bytes is wider than 64 bits");
        }

        ReadOnlySpan<byte> bytes = Take(length);
        if (length == 0)
        {
            return 0;
        }

        long value = 0;
        for (int i = length - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        // Sign-extend from the top byte.
        int shift = 64 - (8 * length);
        return shift == 0 ? value : (value << shift) >> shift;
    }
}
