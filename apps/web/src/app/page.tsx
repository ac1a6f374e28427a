import { HomeView } from '@/client/views/HomeView';

export default function Home() {
  return <HomeView />;
}
