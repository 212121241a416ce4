using System.Runtime.InteropServices;
using SQLitePCL;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>
/// The four column accessors a verification calls about 40 times per row, called straight through e_sqlite3's exports
/// (the library SQLitePCLRaw loaded) on the statement's raw handle: no marshalling stub and no <see cref="SafeHandle"/>
/// reference counting per call, and no transition to preemptive GC mode (<c>SuppressGCTransition</c>: each reads a
/// value of the current row, returns at once, never blocks nor calls back). The statement stays alive, and its row
/// current, for as long as a span returned here is read: the caller holds both. When the exports cannot be found, the
/// SQLitePCLRaw calls are used.
/// </summary>
internal static unsafe class SqliteColumns
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int> ColumnType;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, byte*> ColumnBlob;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, int> ColumnBytes;
    private static readonly delegate* unmanaged[SuppressGCTransition]<IntPtr, int, long> ColumnInt64;

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
}
