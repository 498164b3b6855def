import { describePieceStoreContract } from '../../tests/piece-store-contract.ts';
import { MemoryPieceStore } from './memory-store.ts';

describePieceStoreContract('MemoryPieceStore', () => new MemoryPieceStore());
