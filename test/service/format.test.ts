import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MapInfo, ProgramInfo } from '../../src/client/api.ts';
import * as f from '../../src/cli/online/format.ts';

// The examples of spec §3.4-§3.8 and §3.14, rebuilt from records and compared to the character.
const caller: ProgramInfo = {
  id: 5, name: 'caller', type: 'sample', section: 'sample_ext', fileName: 'tail_call.o', mode: 'JIT',
  mapIds: [3, 4], pinnedPaths: ['BPF:\\caller'], linkIds: [7], runCount: 0, runTimeNs: 0,
};
const map = (over: Partial<MapInfo>): MapInfo => ({
  id: 3, name: 'inner_map', type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, innerMapId: 0, pinnedPaths: [], typed: false, ...over,
});

describe('netsh table formats', () => {
  test('show programs prints the normal table of spec §3.4', () => {
    assert.equal(
      f.formatProgramsTable([caller]),
      '\n    ID  Pins  Links  Mode       Type           Name\n======  ====  =====  =========  =============  ====================\n     5     1      1  JIT        sample         caller\n',
    );
  });
  test('show programs level=verbose prints the block of spec §3.4 with continued map ids', () => {
    assert.equal(
      f.formatProgramsVerbose([caller]),
      '\nID             : 5\nFile name      : tail_call.o\nSection        : sample_ext\nName           : caller\nProgram type   : sample\nMode           : JIT\n# map IDs      : 2\nmap IDs        : 3\n                 4\n# pinned paths : 1\n# links        : 1\n',
    );
  });
  test('show programs filters by type, attached, pinned, file name, section and id', () => {
    const other: ProgramInfo = { ...caller, id: 9, type: 'xdp', section: 'xdp', fileName: 'x.o', pinnedPaths: [], linkIds: [] };
    const all = [caller, other];
    assert.deepEqual(f.filterPrograms(all, { type: 'xdp' }).map((p) => p.id), [9]);
    assert.deepEqual(f.filterPrograms(all, { attached: 'no' }).map((p) => p.id), [9]);
    assert.deepEqual(f.filterPrograms(all, { pinned: 'yes' }).map((p) => p.id), [5]);
    assert.deepEqual(f.filterPrograms(all, { pinned: 'any', fileName: 'x.o' }).map((p) => p.id), [9]);
    assert.deepEqual(f.filterPrograms(all, { section: 'sample_ext' }).map((p) => p.id), [5]);
    assert.deepEqual(f.filterPrograms(all, { id: 9 }).map((p) => p.id), [9]);
  });
  test('show maps prints the table of spec §3.5', () => {
    assert.equal(
      f.formatMapsTable([map({}), map({ id: 4, type: 'array_of_maps', innerMapId: 3, name: 'outer_map' })]),
      '\n                              Key  Value      Max  Inner\n     ID            Map Type  Size   Size  Entries     ID  Pins  Name\n=======  ==================  ====  =====  =======  =====  ====  ========\n' +
        '      3                hash     4      4        1      0     0  inner_map\n      4       array_of_maps     4      4        1      3     0  outer_map\n',
    );
  });
  test('show maps prints the canonical example map row', () => {
    assert.ok(f.formatMapsTable([map({ id: 1, keySize: 4, valueSize: 40, maxEntries: 1024, name: 'proc_map' })]).endsWith('      1                hash     4     40     1024      0     0  proc_map\n'));
  });
  test('show links prints the table of spec §3.6', () => {
    assert.equal(
      f.formatLinksTable([{ id: 7, programId: 5, attachType: 'sample_ext' }]),
      '\n   Link  Program  Attach\n     ID       ID  Type\n=======  =======  =============\n      7        5  sample_ext\n',
    );
  });
  test('show pins prints the table of spec §3.7', () => {
    assert.equal(
      f.formatPinsTable([
        { id: 5, kind: 'program', path: 'BPF:\\mypinpath\\sample_ext' },
        { id: 6, kind: 'program', path: 'BPF:\\mypinpath\\sample_ext_0' },
      ]),
      '\n     ID     Type  Path\n=======  =======  ==============\n      5  Program  BPF:\\mypinpath\\sample_ext\n      6  Program  BPF:\\mypinpath\\sample_ext_0\n',
    );
  });
  test('show pins names a pinned map as a map, in the same column', () => {
    assert.ok(f.formatPinsTable([{ id: 3, kind: 'map', path: 'BPF:\\m' }]).endsWith('      3      Map  BPF:\\m\n'));
  });
  test('show processes prints the table of spec §3.8', () => {
    assert.equal(f.formatProcessesTable([{ pid: 4242, name: 'node' }]), '\n  PID  Name\n=====  ==============\n 4242  node\n');
  });
});

describe('netsh messages', () => {
  test('add program prints Loaded with ID N', () => assert.equal(f.loadedMessage(5), 'Loaded with ID 5\n'));
  test('delete program prints Unpinned N from the canonical path', () => assert.equal(f.unpinnedMessage(5, 'BPF:\\mypinpath'), 'Unpinned 5 from BPF:\\mypinpath\n'));
  test('the error texts of spec §3.2-§3.3 are word for word', () => {
    assert.equal(f.netshErrors.programNotFound, 'Program not found\n');
    assert.equal(f.netshErrors.couldNotOpen(2), 'error 2: could not open file\n');
    assert.equal(f.netshErrors.couldNotLoad(22, 'Verification failed'), 'error 22: could not load program\nVerification failed\n');
    assert.equal(f.netshErrors.couldNotDetach(1168), 'error 1168: could not detach program\n');
    assert.equal(f.netshErrors.couldNotPin(17, 'BPF:\\x'), 'error 17: could not pin to BPF:\\x\n');
    assert.equal(f.netshErrors.interfaceNotAllowed, "Interface parameter is not allowed for program types that don't support interfaces.\n");
    assert.equal(f.netshErrors.compartmentNotAllowed, "Compartment parameter is not allowed for program types that don't support compartments.\n");
  });
});

describe('bpftool plain formats (spec §3.14)', () => {
  test('prog show prints id, type, name and map ids', () => {
    assert.equal(f.formatBpftoolProg({ ...caller, id: 6, name: 'lookup', mapIds: [7], pinnedPaths: [] }), '6: sample  name lookup  \n  map_ids 7\n');
  });
  test('map show prints type, name, flags and sizes', () => {
    assert.equal(f.formatBpftoolMap(map({ id: 2, type: 'array', name: 'Name', maxEntries: 2 })), '2: array  name Name  flags 0x0\n\tkey 4B  value 4B  max_entries 2\n');
  });
  test('map dump prints spaced hex and the element count', () => {
    const e = { key: '00000000', value: '00000000' };
    assert.equal(f.formatHexDump([e, { ...e, key: '01000000' }]), 'key: 00 00 00 00  value: 00 00 00 00\nkey: 01 00 00 00  value: 00 00 00 00\nFound 2 elements\n');
  });
  test('an unknown id prints get by id', () => assert.equal(f.unknownIdMessage(1), 'Error: get by id (1): No such file or directory\n'));
});
