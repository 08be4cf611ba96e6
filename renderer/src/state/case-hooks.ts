import { createContext, useContext, useSyncExternalStore } from 'react';
import type { CaseController, CaseState } from './case.ts';

export const CaseContext = createContext<CaseController | null>(null);

export function useCaseController(): CaseController {
  const c = useContext(CaseContext);
  if (!c) throw new Error('no case controller');
  return c;
}

export function useCase(): CaseState {
  const c = useCaseController();
  return useSyncExternalStore(c.subscribe, c.get);
}
