import { createContext, useContext, useSyncExternalStore } from 'react';
import type { AppState, Session } from './session.ts';

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export function useAppState(): AppState {
  const s = useSession();
  return useSyncExternalStore(s.subscribe, s.get);
}
