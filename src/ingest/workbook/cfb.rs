//! A strict reader of the Compound File Binary container (MS-CFB, the OLE2
//! "file system" inside .xls files), just enough to find a stream by name
//! and read it.
//!
//! Every number in the container is a claim to check against the file:
//! sector counts, FAT/DIFAT/mini-FAT chains, directory entries and stream
//! sizes. Nothing is allocated from a declared count — every buffer grows
//! with the sectors actually read, and no chain can visit more sectors than
//! the file holds. Lies are refused rather than worked around:
//!
//! * a FAT sector count above the file's sector count, FAT sectors named
//!   twice, a DIFAT chain that loops or ends too soon;
//! * a chain (directory, mini stream, mini FAT, stream) that loops, leaves
//!   the file or the FAT, or is shorter than the size it must cover;
//! * a mini sector outside the mini stream;
//! * a stream sharing sectors with the container's own structures.
//!
//! Directory entries are found by name in the flat list (the red-black tree
//! links are not followed, so a tree that loops costs nothing).

/// Sector id markers (MS-CFB 2.1).
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
const MINI_SECTOR: usize = 64;
/// Streams shorter than this live in the mini stream (MS-CFB: the header
/// field must hold 4096; it is not read).
const MINI_CUTOFF: usize = 4096;
const DIR_ENTRY: usize = 128;
/// FAT sector ids the header itself holds; the rest are in DIFAT sectors.
const HEADER_DIFAT: usize = 109;

/// Directory entry object types (MS-CFB 2.6.1).
const TYPE_STORAGE: u8 = 1;
const TYPE_STREAM: u8 = 2;
const TYPE_ROOT: u8 = 5;

#[derive(Debug, Clone)]
struct DirEntry {
    /// UTF-16LE up to the first NUL.
    name: String,
    typ: u8,
    start: u32,
    len: usize,
}

pub(super) struct CfbFile {
    sector_size: usize,
    /// Whole sectors present after the header.
    sector_count: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    mini_stream: Vec<u8>,
    entries: Vec<DirEntry>,
    /// Sectors holding the container's own structures (DIFAT, FAT,
    /// directory, mini FAT). No stream may use one of them.
    structural: Vec<bool>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    let mut x = [0u8; 2];
    if let Some(s) = b.get(at..at + 2) {
        x.copy_from_slice(s);
    }
    u16::from_le_bytes(x)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        x.copy_from_slice(s);
    }
    u32::from_le_bytes(x)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        x.copy_from_slice(s);
    }
    u64::from_le_bytes(x)
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

impl CfbFile {
    /// Parses and validates the container. The error is a short technical
    /// reason; the caller wraps it in a message for the clerk.
    pub fn open(bytes: &[u8]) -> Result<CfbFile, String> {
        let header = bytes.get(..512).ok_or("文件头不完整")?;
        let version = u16_at(header, 26);
        let sector_size = match u16_at(header, 30) {
            9 => 512,
            12 => 4096,
            _ => return Err("扇区大小无效".into()),
        };
        if u16_at(header, 32) != 6 {
            return Err("小扇区大小无效".into());
        }
        if bytes.len() < sector_size {
            return Err("文件头不完整".into());
        }
        let fat_count = u32_at(header, 44) as usize;
        let dir_start = u32_at(header, 48);
        let mini_fat_start = u32_at(header, 60);
        let mini_fat_count = u32_at(header, 64) as usize;
        let difat_start = u32_at(header, 68);

        let sector_count = (bytes.len() - sector_size) / sector_size;
        let mut file = CfbFile {
            sector_size,
            sector_count,
            fat: Vec::new(),
            mini_fat: Vec::new(),
            mini_stream: Vec::new(),
            entries: Vec::new(),
            structural: vec![false; sector_count],
        };

        // The FAT: its sector ids are the first `fat_count` DIFAT entries,
        // 109 in the header, then a chain of DIFAT sectors whose last entry
        // names the next one. Checked before anything is read: a file
        // cannot have more FAT sectors than sectors.
        if fat_count > sector_count {
            return Err("FAT 扇区数超过文件扇区数".into());
        }
        let mut fat_sectors: Vec<u32> = u32s(&header[76..512])
            .take(fat_count.min(HEADER_DIFAT))
            .collect();
        let mut next = difat_start;
        while fat_sectors.len() < fat_count {
            if matches!(next, ENDOFCHAIN | FREESECT) {
                return Err("DIFAT 链过短".into());
            }
            let sector = file.sector(bytes, next)?;
            if file.is_structural(next) {
                return Err("DIFAT 链有环".into());
            }
            file.mark_structural(next)?;
            let per_sector = sector_size / 4 - 1;
            let want = (fat_count - fat_sectors.len()).min(per_sector);
            fat_sectors.extend(u32s(sector).take(want));
            next = u32_at(sector, sector_size - 4);
        }
        let mut fat = Vec::new();
        for id in fat_sectors {
            let sector = file.sector(bytes, id)?;
            if file.is_structural(id) {
                return Err("FAT 扇区重复或与 DIFAT 重叠".into());
            }
            fat.extend(u32s(sector));
            file.mark_structural(id)?;
        }
        file.fat = fat;

        // Directory: a chain to ENDOFCHAIN.
        let mut dir_bytes = Vec::new();
        for id in file.walk(bytes, dir_start, None)? {
            dir_bytes.extend_from_slice(file.sector(bytes, id)?);
            file.mark_structural(id)?;
        }
        for chunk in dir_bytes.chunks_exact(DIR_ENTRY) {
            file.entries.push(parse_entry(chunk, sector_size)?);
        }
        let Some(root) = file.entries.first().cloned() else {
            return Err("目录为空".into());
        };
        if root.typ != TYPE_ROOT {
            return Err("目录根项无效".into());
        }
        if version != 3 && root.start == ENDOFCHAIN {
            return Err("目录为空".into());
        }

        // Mini FAT and mini stream (the root entry's chain), when the
        // header announces a mini FAT.
        if mini_fat_count > 0 {
            if mini_fat_count > sector_count {
                return Err("小扇区表扇区数超过文件扇区数".into());
            }
            let want = mini_fat_count * sector_size;
            let mut mini_fat = Vec::new();
            for id in file.walk(bytes, mini_fat_start, Some(want))? {
                mini_fat.extend(u32s(file.sector(bytes, id)?));
                file.mark_structural(id)?;
            }
            file.mini_fat = mini_fat;

            let mut data = Vec::new();
            for id in file.walk(bytes, root.start, Some(root.len))? {
                if file.is_structural(id) {
                    return Err("小流与目录结构重叠".into());
                }
                data.extend_from_slice(file.sector(bytes, id)?);
            }
            data.truncate(root.len);
            file.mini_stream = data;
        }
        Ok(file)
    }

    /// Is there a storage or stream with this name (ASCII
    /// case-insensitive)?
    pub fn has_entry(&self, name: &str) -> bool {
        self.entries.iter().any(|d| {
            matches!(d.typ, TYPE_STORAGE | TYPE_STREAM) && d.name.eq_ignore_ascii_case(name)
        })
    }

    /// Is there a stream with this name?
    pub fn has_stream(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    fn find(&self, name: &str) -> Option<&DirEntry> {
        self.entries
            .iter()
            .find(|d| d.typ == TYPE_STREAM && d.name.eq_ignore_ascii_case(name))
    }

    /// Reads the stream of this name: the first stream entry with that
    /// name; below 4096 bytes from the mini stream.
    pub fn stream(&self, bytes: &[u8], name: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(entry) = self.find(name) else {
            return Ok(None);
        };
        let mut data = Vec::new();
        if entry.len < MINI_CUTOFF {
            // Mini sectors are 64-byte slices of the mini stream.
            let mut visited = vec![false; self.mini_stream.len() / MINI_SECTOR];
            let mut id = entry.start;
            while data.len() < entry.len {
                if id == ENDOFCHAIN {
                    return Err("流长度超出小扇区链".into());
                }
                let i = id as usize;
                match visited.get_mut(i) {
                    None => return Err("小扇区超出小流范围".into()),
                    Some(true) => return Err("小扇区链有环".into()),
                    Some(seen) => *seen = true,
                }
                let at = i * MINI_SECTOR;
                let take = MINI_SECTOR.min(entry.len - data.len());
                let piece = self
                    .mini_stream
                    .get(at..at + take)
                    .ok_or("小扇区超出小流范围")?;
                data.extend_from_slice(piece);
                id = *self.mini_fat.get(i).ok_or("小扇区表越界")?;
            }
        } else {
            for id in self.walk(bytes, entry.start, Some(entry.len))? {
                if self.is_structural(id) {
                    return Err("流与目录结构重叠".into());
                }
                data.extend_from_slice(self.sector(bytes, id)?);
            }
            data.truncate(entry.len);
        }
        Ok(Some(data))
    }

    /// A whole sector inside the file, or an error.
    fn sector<'b>(&self, bytes: &'b [u8], id: u32) -> Result<&'b [u8], String> {
        let id = id as usize;
        if id >= self.sector_count {
            return Err("扇区超出文件末尾".into());
        }
        let at = self.sector_size + id * self.sector_size;
        bytes
            .get(at..at + self.sector_size)
            .ok_or_else(|| "扇区超出文件末尾".to_string())
    }

    fn mark_structural(&mut self, id: u32) -> Result<(), String> {
        let slot = self
            .structural
            .get_mut(id as usize)
            .ok_or("扇区超出文件末尾")?;
        *slot = true;
        Ok(())
    }

    fn is_structural(&self, id: u32) -> bool {
        self.structural.get(id as usize).copied().unwrap_or(true)
    }

    /// Follows a FAT chain: to ENDOFCHAIN when `len` is `None`, else until
    /// `len` bytes are covered, which must happen before ENDOFCHAIN. Cycles
    /// and sectors outside the file or the FAT are refused; no chain is
    /// longer than the file has sectors.
    fn walk(&self, bytes: &[u8], start: u32, len: Option<usize>) -> Result<Vec<u32>, String> {
        let mut visited = vec![false; self.sector_count];
        let mut out = Vec::new();
        let mut covered = 0usize;
        let mut id = start;
        loop {
            if len.is_some_and(|len| covered >= len) {
                return Ok(out);
            }
            if id == ENDOFCHAIN {
                return match len {
                    None => Ok(out),
                    Some(_) => Err("流长度超出扇区链".into()),
                };
            }
            self.sector(bytes, id)?;
            let seen = visited.get_mut(id as usize).ok_or("扇区超出文件末尾")?;
            if *seen {
                return Err("扇区链有环".into());
            }
            *seen = true;
            out.push(id);
            covered = covered.saturating_add(self.sector_size);
            id = *self.fat.get(id as usize).ok_or("扇区表越界")?;
        }
    }
}

fn parse_entry(chunk: &[u8], sector_size: usize) -> Result<DirEntry, String> {
    let raw = chunk.get(..64).unwrap_or_default();
    let units = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let name: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .take_while(|&c| c != '\0')
        .collect();
    let typ = chunk.get(66).copied().unwrap_or(0);
    let start = u32_at(chunk, 116);
    let len = if sector_size == 512 {
        // Version 3: the high half may hold garbage (MS-CFB 2.6.3).
        u32_at(chunk, 120) as usize
    } else {
        usize::try_from(u64_at(chunk, 120)).map_err(|_| "流长度无效".to_string())?
    };
    Ok(DirEntry {
        name,
        typ,
        start,
        len,
    })
}

#[cfg(test)]
pub(super) mod tests {
    //! Also a tiny CFB writer for tests (one or more streams, regular
    //! sectors only unless small), so crafted .xls files can be built here.

    use super::*;

    const FATSECT: u32 = 0xFFFF_FFFD;

    /// Builds a version-3 compound file holding `streams` (each padded to at
    /// least 4096 bytes by the caller if it should avoid the mini stream).
    /// Streams shorter than 4096 bytes go into the mini stream.
    pub(in crate::ingest::workbook) fn build_cfb(streams: &[(&str, &[u8])]) -> Vec<u8> {
        const SS: usize = 512;
        // Layout: [FAT sectors][directory sectors][mini FAT][mini stream][big streams]
        let mut mini_stream: Vec<u8> = Vec::new();
        let mut mini_fat: Vec<u32> = Vec::new();
        let mut mini_starts = Vec::new();
        for (_, data) in streams {
            if data.len() < MINI_CUTOFF {
                let first = (mini_stream.len() / MINI_SECTOR) as u32;
                let n = data.len().div_ceil(MINI_SECTOR).max(1);
                for k in 0..n {
                    mini_fat.push(if k + 1 == n {
                        ENDOFCHAIN
                    } else {
                        first + k as u32 + 1
                    });
                }
                mini_stream.extend_from_slice(data);
                mini_stream.resize(
                    mini_stream
                        .len()
                        .div_ceil(MINI_SECTOR)
                        .max(first as usize + 1)
                        * MINI_SECTOR,
                    0,
                );
                mini_starts.push(Some(first));
            } else {
                mini_starts.push(None);
            }
        }
        let sectors = |n: usize| n.div_ceil(SS);
        let dir_entries = streams.len() + 1;
        let dir_secs = sectors(dir_entries * DIR_ENTRY);
        let mini_fat_secs = if mini_fat.is_empty() {
            0
        } else {
            sectors(mini_fat.len() * 4)
        };
        let mini_stream_secs = sectors(mini_stream.len());
        let big_secs: usize = streams
            .iter()
            .filter(|(_, d)| d.len() >= MINI_CUTOFF)
            .map(|(_, d)| sectors(d.len()))
            .sum();
        let data_secs = dir_secs + mini_fat_secs + mini_stream_secs + big_secs;
        // FAT sectors needed for data + themselves.
        let mut fat_secs = 1;
        while fat_secs * (SS / 4) < data_secs + fat_secs {
            fat_secs += 1;
        }
        assert!(fat_secs <= 109, "test CFB too large");
        let total = fat_secs + data_secs;
        let mut fat = vec![FREESECT; fat_secs * (SS / 4)];
        for f in fat.iter_mut().take(fat_secs) {
            *f = FATSECT;
        }
        let mut next = fat_secs;
        let mut chain = |fat: &mut Vec<u32>, n: usize| -> u32 {
            let first = next;
            for k in 0..n {
                fat[first + k] = if k + 1 == n {
                    ENDOFCHAIN
                } else {
                    (first + k + 1) as u32
                };
            }
            next += n;
            if n == 0 { ENDOFCHAIN } else { first as u32 }
        };
        let dir_start = chain(&mut fat, dir_secs);
        let mini_fat_start = chain(&mut fat, mini_fat_secs);
        let mini_stream_start = chain(&mut fat, mini_stream_secs);
        let mut big_starts = Vec::new();
        for (_, d) in streams {
            big_starts.push(if d.len() >= MINI_CUTOFF {
                chain(&mut fat, sectors(d.len()))
            } else {
                ENDOFCHAIN
            });
        }
        assert_eq!(next, total);

        let mut out = vec![0u8; SS * (total + 1)];
        out[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        out[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
        out[26..28].copy_from_slice(&3u16.to_le_bytes());
        out[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        out[30..32].copy_from_slice(&9u16.to_le_bytes());
        out[32..34].copy_from_slice(&6u16.to_le_bytes());
        out[44..48].copy_from_slice(&(fat_secs as u32).to_le_bytes());
        out[48..52].copy_from_slice(&dir_start.to_le_bytes());
        out[56..60].copy_from_slice(&(MINI_CUTOFF as u32).to_le_bytes());
        out[60..64].copy_from_slice(&mini_fat_start.to_le_bytes());
        out[64..68].copy_from_slice(&(mini_fat_secs as u32).to_le_bytes());
        out[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v = if i < fat_secs { i as u32 } else { FREESECT };
            out[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let at = |id: usize| SS + id * SS;
        for (i, v) in fat.iter().enumerate() {
            out[at(0) + 4 * i..at(0) + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        // Directory: root, then one entry per stream (flat, no tree links
        // needed by calamine, but set the root's child for other readers).
        let mut dir = vec![0u8; dir_secs * SS];
        let mut write_entry =
            |idx: usize, name: &str, typ: u8, start: u32, len: u32, child: u32, right: u32| {
                let e = &mut dir[idx * DIR_ENTRY..(idx + 1) * DIR_ENTRY];
                let units: Vec<u16> = name.encode_utf16().collect();
                for (k, u) in units.iter().enumerate() {
                    e[2 * k..2 * k + 2].copy_from_slice(&u.to_le_bytes());
                }
                e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
                e[66] = typ;
                e[67] = 1;
                e[68..72].copy_from_slice(&FREESECT.to_le_bytes());
                e[72..76].copy_from_slice(&right.to_le_bytes());
                e[76..80].copy_from_slice(&child.to_le_bytes());
                e[116..120].copy_from_slice(&start.to_le_bytes());
                e[120..124].copy_from_slice(&len.to_le_bytes());
            };
        let child = if streams.is_empty() { FREESECT } else { 1 };
        write_entry(
            0,
            "Root Entry",
            5,
            mini_stream_start,
            mini_stream.len() as u32,
            child,
            FREESECT,
        );
        for (i, (name, d)) in streams.iter().enumerate() {
            let start = match mini_starts[i] {
                Some(s) => s,
                None => big_starts[i],
            };
            let right = if i + 1 < streams.len() {
                (i + 2) as u32
            } else {
                FREESECT
            };
            write_entry(i + 1, name, 2, start, d.len() as u32, FREESECT, right);
        }
        let d0 = at(dir_start as usize);
        out[d0..d0 + dir.len()].copy_from_slice(&dir);
        if mini_fat_secs > 0 {
            let m0 = at(mini_fat_start as usize);
            for (i, v) in mini_fat.iter().enumerate() {
                out[m0 + 4 * i..m0 + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
            }
            for i in mini_fat.len()..mini_fat_secs * SS / 4 {
                out[m0 + 4 * i..m0 + 4 * i + 4].copy_from_slice(&FREESECT.to_le_bytes());
            }
            let s0 = at(mini_stream_start as usize);
            out[s0..s0 + mini_stream.len()].copy_from_slice(&mini_stream);
        }
        for (i, (_, d)) in streams.iter().enumerate() {
            if d.len() >= MINI_CUTOFF {
                let s0 = at(big_starts[i] as usize);
                out[s0..s0 + d.len()].copy_from_slice(d);
            }
        }
        out
    }

    #[test]
    fn round_trip_big_and_small_streams() {
        let big: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let small = b"hello mini stream".to_vec();
        let bytes = build_cfb(&[("Workbook", &big), ("Small", &small)]);
        let cfb = CfbFile::open(&bytes).expect("valid");
        assert!(cfb.has_entry("workbook"));
        assert!(cfb.has_stream("WORKBOOK"));
        assert_eq!(cfb.stream(&bytes, "Workbook").unwrap().unwrap(), big);
        assert_eq!(cfb.stream(&bytes, "Small").unwrap().unwrap(), small);
        assert!(cfb.stream(&bytes, "Nope").unwrap().is_none());
        assert!(
            !cfb.has_entry("Root Entry"),
            "the root is no storage or stream"
        );
    }

    /// Offset of directory entry `i` in a file made by `build_cfb` (one
    /// directory sector is enough for the tests here).
    fn entry_at(bytes: &[u8], i: usize) -> usize {
        512 + 512 * u32_at(bytes, 48) as usize + i * DIR_ENTRY
    }

    fn set_u32(bytes: &mut [u8], at: usize, v: u32) {
        bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn directory_chain_cycle_is_refused() {
        let big = vec![0u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big)]);
        // Point the directory sector's FAT entry at itself.
        let dir_start = u32_at(&bytes, 48) as usize;
        set_u32(&mut bytes, 512 + 4 * dir_start, dir_start as u32);
        let err = CfbFile::open(&bytes).err().unwrap();
        assert!(err.contains('环'), "{err}");
    }

    /// The red-black tree of the directory is never followed, so links that
    /// loop (child and sibling pointing back at themselves) cost nothing.
    #[test]
    fn directory_tree_cycle_is_harmless() {
        let big = vec![5u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big)]);
        let root = entry_at(&bytes, 0);
        let stream = entry_at(&bytes, 1);
        set_u32(&mut bytes, root + 76, 0); // root's child: the root
        set_u32(&mut bytes, stream + 68, 1); // left sibling: itself
        set_u32(&mut bytes, stream + 72, 0); // right sibling: the root
        let cfb = CfbFile::open(&bytes).unwrap();
        assert_eq!(cfb.stream(&bytes, "Workbook").unwrap().unwrap(), big);
    }

    #[test]
    fn stream_cycle_and_out_of_file_sectors_are_refused() {
        let big = vec![7u8; 5000];
        let bytes = build_cfb(&[("Workbook", &big)]);
        let cfb = CfbFile::open(&bytes).unwrap();
        let start = cfb.entries[1].start as usize;
        // Cycle: second sector of the stream points back to the first.
        let mut looped = bytes.clone();
        set_u32(&mut looped, 512 + 4 * (start + 1), start as u32);
        let cfb = CfbFile::open(&looped).unwrap();
        let err = cfb.stream(&looped, "Workbook").unwrap_err();
        assert!(err.contains('环'), "{err}");
        // Truncated file: the stream's last sectors are gone.
        let cut = &bytes[..bytes.len() - 1024];
        let cfb = CfbFile::open(cut).unwrap();
        assert!(cfb.stream(cut, "Workbook").is_err());
        // A chain through a sector id past the end of the FAT.
        let mut far = bytes.clone();
        set_u32(&mut far, 512 + 4 * start, 0x00FF_FFFF);
        let cfb = CfbFile::open(&far).unwrap();
        assert!(cfb.stream(&far, "Workbook").is_err());
    }

    /// A stream size of 4 GB is a claim the sector chain cannot back: the
    /// stream is refused after reading the ten sectors the chain has,
    /// without reserving anything for the claim.
    #[test]
    fn stream_size_past_its_chain_is_refused() {
        let big = vec![1u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big), ("Small", b"abc")]);
        let stream = entry_at(&bytes, 1);
        set_u32(&mut bytes, stream + 120, u32::MAX);
        let cfb = CfbFile::open(&bytes).unwrap();
        let err = cfb.stream(&bytes, "Workbook").unwrap_err();
        assert!(err.contains("扇区链"), "{err}");
        // A small stream claiming more mini sectors than its chain has.
        let small = entry_at(&bytes, 2);
        set_u32(&mut bytes, small + 120, 4000);
        let cfb = CfbFile::open(&bytes).unwrap();
        assert!(cfb.stream(&bytes, "Small").is_err());
        // The root entry (the mini stream) claiming 4 GB.
        let root = entry_at(&bytes, 0);
        set_u32(&mut bytes, root + 120, u32::MAX);
        let err = CfbFile::open(&bytes).err().unwrap();
        assert!(err.contains("扇区链"), "{err}");
    }

    #[test]
    fn fat_sector_counts_are_checked_before_reading() {
        let big = vec![0u8; 5000];
        let mut bytes = build_cfb(&[("Workbook", &big)]);
        // Unused header slots left zeroed instead of FREESECT are past the
        // declared FAT sector count, so they are not read.
        for i in 1..109 {
            set_u32(&mut bytes, 76 + 4 * i, 0);
        }
        let cfb = CfbFile::open(&bytes).unwrap();
        assert_eq!(cfb.stream(&bytes, "Workbook").unwrap().unwrap(), big);

        // A header declaring 2^31 FAT sectors in a 6 KB file.
        let mut lie = bytes.clone();
        set_u32(&mut lie, 44, 1 << 31);
        let err = CfbFile::open(&lie).err().unwrap();
        assert!(err.contains("FAT"), "{err}");

        // Two FAT sectors, both sector 0.
        let mut twice = bytes.clone();
        set_u32(&mut twice, 44, 2);
        let err = CfbFile::open(&twice).err().unwrap();
        assert!(err.contains("FAT"), "{err}");
    }

    #[test]
    fn difat_chain_loop_and_short_chain_are_refused() {
        // Enough sectors that 300 FAT sectors are not more than the file
        // has, so the DIFAT chain is walked.
        let big = vec![0u8; 200 * 1024];
        let bytes = build_cfb(&[("Workbook", &big)]);
        let sectors = (bytes.len() - 512) / 512;
        assert!(sectors > 300);
        let last = (sectors - 1) as u32;

        // The DIFAT sector names itself as the next one.
        let mut looped = bytes.clone();
        set_u32(&mut looped, 44, 300);
        set_u32(&mut looped, 68, last);
        let at = 512 + 512 * last as usize;
        for i in 0..127 {
            set_u32(&mut looped, at + 4 * i, 0);
        }
        set_u32(&mut looped, at + 508, last);
        let err = CfbFile::open(&looped).err().unwrap();
        assert!(err.contains("DIFAT"), "{err}");

        // No DIFAT sector at all for FAT sectors past the header's 109.
        let mut short = bytes.clone();
        set_u32(&mut short, 44, 300);
        set_u32(&mut short, 68, ENDOFCHAIN);
        let err = CfbFile::open(&short).err().unwrap();
        assert!(err.contains("DIFAT"), "{err}");
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x1234_5678u32;
        let big = vec![3u8; 5000];
        let good = build_cfb(&[("Workbook", &big), ("x", b"abc")]);
        for _ in 0..2000 {
            let mut b = good.clone();
            for _ in 0..8 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let pos = (seed as usize >> 3) % b.len().min(2048);
                b[pos] = (seed >> 24) as u8;
            }
            if let Ok(cfb) = CfbFile::open(&b) {
                let _ = cfb.stream(&b, "Workbook");
                let _ = cfb.stream(&b, "x");
            }
        }
    }
}
