// The QuickTable requests both clients send: a restaurant name (annotated),
// a DynamoDB GetItem on the restaurants table, and a fault for some.
module.exports = [
  { name: '강남 맛집', fault: false },
  { name: '부산 횟집', fault: true },
  { name: '강남 맛집', fault: false },
  { name: '제주 식당', fault: false },
  { name: '강남 맛집', fault: true },
];
