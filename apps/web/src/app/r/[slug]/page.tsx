import { RoomView } from '@/client/room/RoomView';

export default async function RoomPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return <RoomView slug={slug} />;
}
