using System.Runtime.InteropServices;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The column accessors a verification calls for each row (and <see cref="TypeAndText"/>'s value accessors), called
/// straight through e_sqlite3's exports (the library SQLitePCLRaw loaded) on the statement's raw handle: no marshalling
/// stub and no <see cref="SafeHandle"/> reference counting per call, and no transition to preemptive GC mode
/// (<c>SuppressGCTransition</c>: each reads a value of the current row, returns at once, never blocks nor calls back).
/// The statement stays alive, and its row current, for as long as a span returned here is read: the caller holds both.
/// When the exports cannot be found, the SQLitePCLRaw calls are used.
/// </summary>
internal static unsafe class SqliteColumns
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int> ColumnType;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, byte*> ColumnBlob;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int> ColumnBytes;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, long> ColumnInt64;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, IntPtr> ColumnValue;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int> ValueType;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, byte*> ValueBlob;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int> ValueBytes;

#pragma warning disable CA1810 // the four exports are looked up together, or none is used
    static SqliteColumns()
#pragma warning restore CA1810
    {
        if (NativeLibrary.TryLoad("e_sqlite3", typeof(SQLite3Provider_e_sqlite3).Assembly, null, out var library)
            && NativeLibrary.TryGetExport(library, "sqlite3_column_type", out var type)
            && NativeLibrary.TryGetExport(library, "sqlite3_column_blob", out var blob)
            && NativeLibrary.TryGetExport(library, "sqlite3_column_bytes", out var bytes)
            && NativeLibrary.TryGetExport(library, "sqlite3_column_int64", out var int64))
        {
            ColumnType = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int>)type;
            ColumnBlob = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, byte*>)blob;
            ColumnBytes = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int>)bytes;
            ColumnInt64 = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, long>)int64;
            if (NativeLibrary.TryGetExport(library, "sqlite3_column_value", out var value)
                && NativeLibrary.TryGetExport(library, "sqlite3_value_type", out var valueType)
                && NativeLibrary.TryGetExport(library, "sqlite3_value_blob", out var valueBlob)
                && NativeLibrary.TryGetExport(library, "sqlite3_value_bytes", out var valueBytes))
            {
                ColumnValue = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int, IntPtr>)value;
                ValueType = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int>)valueType;
                ValueBlob = (delegate* unmanaged[SuppressGCTransition]<IntPtr, byte*>)valueBlob;
                ValueBytes = (delegate* unmanaged[SuppressGCTransition]<IntPtr, int>)valueBytes;
            }
        }
    }

    /// <summary>Whether the exports are called directly.</summary>
    public static bool Direct => ColumnType != null;

    public static int Type(sqlite3_stmt statement, IntPtr handle, int ordinal) =>
        Direct ? ColumnType(handle, ordinal) : raw.sqlite3_column_type(statement, ordinal);

    public static long Int64(sqlite3_stmt statement, IntPtr handle, int ordinal) =>
        Direct ? ColumnInt64(handle, ordinal) : raw.sqlite3_column_int64(statement, ordinal);

    /// <summary>The value's bytes (a TEXT value's UTF-8), valid until the statement steps or is reset: blob then bytes, as SQLite asks.</summary>
    public static ReadOnlySpan<byte> Blob(sqlite3_stmt statement, IntPtr handle, int ordinal)
    {
        if (!Direct)
        {
            return raw.sqlite3_column_blob(statement, ordinal);
        }
        var pointer = ColumnBlob(handle, ordinal);
        return pointer == null ? default : new ReadOnlySpan<byte>(pointer, ColumnBytes(handle, ordinal));
    }

    /// <summary>
    /// The column's storage class (<see cref="Type"/>) and, for a TEXT or BLOB only, its bytes (<see cref="Blob"/>; else
    /// empty, nothing converted): one column call (<c>sqlite3_column_value</c>) then <c>sqlite3_value_type</c>,
    /// <c>_blob</c>, <c>_bytes</c> on the value it returns, which is what <c>sqlite3_column_type</c>, <c>_blob</c> and
    /// <c>_bytes</c> each do after taking the connection's mutex. SQLite documents the use of such an unprotected value by
    /// the <c>sqlite3_value_*</c> functions as not thread-safe: only a connection used by one thread at a time may be read
    /// here (each <see cref="SqliteLogPart"/> reads its own connection on its own thread).
    /// </summary>
    public static int TypeAndText(sqlite3_stmt statement, IntPtr handle, int ordinal, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (ColumnValue == null)
        {
            var type = Type(statement, handle, ordinal);
            if (type is raw.SQLITE_TEXT or raw.SQLITE_BLOB)
            {
                bytes = Blob(statement, handle, ordinal);
            }
            return type;
        }
        var value = ColumnValue(handle, ordinal);
        var storage = ValueType(value);
        if (storage is raw.SQLITE_TEXT or raw.SQLITE_BLOB)
        {
            var pointer = ValueBlob(value);
            bytes = pointer == null ? default : new ReadOnlySpan<byte>(pointer, ValueBytes(value));
        }
        return storage;
    }
}
